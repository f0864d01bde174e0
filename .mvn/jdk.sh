# Sourced by ./mvnw and ./bw (POSIX sh): makes JAVA_HOME a JDK 21 or newer.
# The build compiles for Java 21 and runs the definition check inside Maven's own JVM, so Maven
# itself must run on 21+. A machine whose default java is older (17 is common) often has a newer
# JDK installed beside it: this finds it, says which one it took, and otherwise names the JDKs it
# found and the fix. BW_JDK_QUIET=true keeps the "using" line off stderr.

bw_jdk_major() { # $1: a JDK home; prints its feature version (21, 25, ...) or nothing
  if [ -r "$1/release" ]; then
    # "21.0.5" is 21; the old "1.8.0_392" is 8
    sed -n -e 's/^JAVA_VERSION="1\.\([0-9][0-9]*\).*/\1/p' -e 's/^JAVA_VERSION="\([2-9]\|[1-9][0-9]\+\)[."].*/\1/p' "$1/release" | head -n 1
  elif [ -x "$1/bin/java" ]; then
    "$1/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
  fi
}

bw_jdk_ok() { # $1: a JDK home; true when it has javac and is 21 or newer
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  bw_jdk_m=$(bw_jdk_major "$1")
  [ -n "$bw_jdk_m" ] && [ "$bw_jdk_m" -ge 21 ]
}

bw_jdk_find() {
  bw_jdk_found="" bw_jdk_best="" bw_jdk_best_major=0
  bw_jdk_restore_f=false
  case $- in *f*) bw_jdk_restore_f=true; set +f ;; esac
  # JAVA_HOME_21_X64-style variables (CI images), then the usual install folders of Linux, macOS,
  # SDKMAN!, IntelliJ, asdf and Homebrew
  # (BW_JDK_SEARCH replaces these places: a space-separated list of globs; the tests use it)
  if [ -n "${BW_JDK_SEARCH-}" ]; then
    set -- $BW_JDK_SEARCH
  else
    set -- $(env | sed -n 's/^JAVA_HOME_[0-9A-Za-z_]*=//p') \
      /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home \
      "${HOME:-/nonexistent}"/.sdkman/candidates/java/* "${HOME:-/nonexistent}"/.jdks/* \
      "${HOME:-/nonexistent}"/.asdf/installs/java/* "${HOME:-/nonexistent}"/Library/Java/JavaVirtualMachines/*/Contents/Home \
      /opt/homebrew/opt/openjdk*/libexec/openjdk.jdk/Contents/Home /usr/local/opt/openjdk*/libexec/openjdk.jdk/Contents/Home
  fi
  for bw_jdk_dir in "$@"; do
    [ -x "$bw_jdk_dir/bin/java" ] || continue
    [ -L "$bw_jdk_dir" ] && continue   # /usr/lib/jvm/default-java and friends point at one listed anyway
    bw_jdk_m=$(bw_jdk_major "$bw_jdk_dir")
    bw_jdk_found="$bw_jdk_found
    $bw_jdk_dir (${bw_jdk_m:-unknown version})"
    if [ -x "$bw_jdk_dir/bin/javac" ] && [ -n "$bw_jdk_m" ] && [ "$bw_jdk_m" -ge 21 ] && [ "$bw_jdk_m" -gt "$bw_jdk_best_major" ]; then
      bw_jdk_best=$bw_jdk_dir bw_jdk_best_major=$bw_jdk_m
    fi
  done
  if $bw_jdk_restore_f; then set -f; fi
}

bw_jdk_select() {
  if [ -n "${JAVA_HOME-}" ] && bw_jdk_ok "$JAVA_HOME"; then return 0; fi
  bw_jdk_was="the java on PATH"
  if [ -n "${JAVA_HOME-}" ]; then
    bw_jdk_was="JAVA_HOME=$JAVA_HOME (Java $(bw_jdk_major "$JAVA_HOME"))"
  else
    bw_jdk_path_java=$(command -v java 2>/dev/null || true)
    if [ -n "$bw_jdk_path_java" ]; then
      bw_jdk_path_home=$(dirname "$(dirname "$(readlink -f "$bw_jdk_path_java" 2>/dev/null || echo "$bw_jdk_path_java")")")
      if bw_jdk_ok "$bw_jdk_path_home"; then return 0; fi
      bw_jdk_was="the java on PATH ($bw_jdk_path_java, Java $(bw_jdk_major "$bw_jdk_path_home"))"
    else
      bw_jdk_was="no java on PATH and no JAVA_HOME"
    fi
  fi
  bw_jdk_find
  if [ -n "$bw_jdk_best" ]; then
    JAVA_HOME=$bw_jdk_best
    export JAVA_HOME
    [ "${BW_JDK_QUIET-}" = true ] || echo "Using the JDK $bw_jdk_best_major at $JAVA_HOME: $bw_jdk_was is older than 21 (set JAVA_HOME to choose another)" >&2
    return 0
  fi
  {
    echo "Backend Workflows needs a JDK 21 or newer; $bw_jdk_was is older, and none newer was found."
    if [ -n "$bw_jdk_found" ]; then echo "JDKs found:$bw_jdk_found"; else echo "JDKs found: none in the usual places."; fi
    echo "Fix: install a JDK 21+ (Debian/Ubuntu: apt install openjdk-21-jdk; macOS: brew install openjdk@21;"
    echo "     SDKMAN!: sdk install java 21-tem) and set JAVA_HOME to it, e.g. export JAVA_HOME=/usr/lib/jvm/java-21-openjdk-amd64"
  } >&2
  return 1
}

bw_jdk_select || exit 1
# Maven's own libraries print an unsafe-memory warning on JDK 24+; this quiets it
if [ "$(bw_jdk_major "${JAVA_HOME:-/nonexistent}")" -ge 24 ] 2>/dev/null; then
  case "${MAVEN_OPTS-}" in *sun-misc-unsafe-memory-access*) ;; *)
    MAVEN_OPTS="${MAVEN_OPTS-} --sun-misc-unsafe-memory-access=allow"; export MAVEN_OPTS ;; esac
fi
