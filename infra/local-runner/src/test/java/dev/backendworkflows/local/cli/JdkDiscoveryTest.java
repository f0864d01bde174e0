package dev.backendworkflows.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.testutils.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * .mvn/jdk.sh, which ./mvnw and ./bw source: on a machine whose default java is older than 21 it
 * takes the newest JDK 21+ it finds, and otherwise names the JDKs it found and the fix. Run on
 * fake JDK folders (a release file and bin/java, bin/javac) through BW_JDK_SEARCH.
 */
class JdkDiscoveryTest {
  @TempDir
  Path dir;

  private Path jdk(String name, String version) throws IOException {
    Path home = dir.resolve(name);
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
    for (String tool : new String[] {"java", "javac"}) {
      Path p = home.resolve("bin").resolve(tool);
      Files.writeString(p, "#!/bin/sh\necho fake\n");
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return home;
  }

  /** Sources the script with the default java at {@code javaHome}; the exit code, JAVA_HOME after, and stderr. */
  private String[] select(Path javaHome, String search) throws Exception {
    return select(javaHome, search, "/usr/bin:/bin");
  }

  private String[] select(Path javaHome, String search, String path) throws Exception {
    Path script = Fixtures.projectRoot().resolve(".mvn/jdk.sh");
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", ". \"$0\"; echo \"JAVA_HOME=${JAVA_HOME-}\"", script.toString());
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", path);
    env.put("HOME", dir.toString());
    if (javaHome != null) {
      env.put("JAVA_HOME", javaHome.toString());
    }
    env.put("BW_JDK_SEARCH", search);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String[] {String.valueOf(p.exitValue()), out.strip(), err};
  }

  @Test
  void olderDefault_withNewerJdksInstalled_takesTheNewest() throws Exception {
    Path old = jdk("jdk-17", "17.0.15");
    Path jdk21 = jdk("jdk-21", "21.0.5");
    Path jdk25 = jdk("jdk-25", "25.0.3");
    String[] r = select(old, dir + "/*");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).isEqualTo("JAVA_HOME=" + jdk25);
    assertThat(r[2]).contains("Using the JDK 25 at " + jdk25).contains("JAVA_HOME=" + old + " (Java 17) is older than 21");
    assertThat(r[1]).isNotEqualTo("JAVA_HOME=" + jdk21);
  }

  @Test
  void noJavaHome_olderJavaOnPath_isFollowedToItsJdkAndANewerOneTaken() throws Exception {
    Path old = jdk("jdk-17", "17.0.15");
    Path jdk21 = jdk("jdk-21", "21.0.5");
    // /usr/bin/java style: a link on PATH to the default JDK's java
    Path bin = Files.createDirectories(dir.resolve("usr-bin"));
    Files.createSymbolicLink(bin.resolve("java"), old.resolve("bin/java"));
    String[] r = select(null, dir + "/jdk-*", bin + ":/usr/bin:/bin");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).isEqualTo("JAVA_HOME=" + jdk21);
    assertThat(r[2]).contains("the java on PATH (" + bin.resolve("java") + ", Java 17) is older than 21");
  }

  @Test
  void noJavaHome_newEnoughJavaOnPath_isKept() throws Exception {
    Path jdk21 = jdk("jdk-21", "21.0.5");
    jdk("jdk-25", "25.0.3");
    Path bin = Files.createDirectories(dir.resolve("usr-bin"));
    Files.createSymbolicLink(bin.resolve("java"), jdk21.resolve("bin/java"));
    String[] r = select(null, dir + "/jdk-*", bin + ":/usr/bin:/bin");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).as("nothing to change: Maven runs on the java on PATH").isEqualTo("JAVA_HOME=");
    assertThat(r[2]).isEmpty();
  }

  @Test
  void goodJavaHome_isKeptWithoutAWord() throws Exception {
    Path jdk21 = jdk("jdk-21", "21.0.5");
    jdk("jdk-25", "25.0.3");
    String[] r = select(jdk21, dir + "/*");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).isEqualTo("JAVA_HOME=" + jdk21);
    assertThat(r[2]).isEmpty();
  }

  @Test
  void noJdk21_namesTheJdksFoundAndTheFix() throws Exception {
    Path old = jdk("jdk-17", "17.0.15");
    jdk("jdk-11", "11.0.2");
    Path jreOnly = jdk("jre-21", "21.0.5");
    Files.delete(jreOnly.resolve("bin/javac"));
    String[] r = select(old, dir + "/*");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).doesNotContain("JAVA_HOME=");
    assertThat(r[2]).contains("needs a JDK 21 or newer").contains(dir.resolve("jdk-11") + " (11)").contains(old + " (17)")
        .contains("export JAVA_HOME=").contains("openjdk-21-jdk");
  }

  @Test
  void oldStyleVersionNumbers_areReadAsTheirFeatureRelease() throws Exception {
    Path old = jdk("jdk-8", "1.8.0_392");
    String[] r = select(old, dir + "/*");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains("(Java 8) is older").contains(old + " (8)");
  }
}
