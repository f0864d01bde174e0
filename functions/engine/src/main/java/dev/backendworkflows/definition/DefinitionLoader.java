package dev.backendworkflows.definition;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.backendworkflows.engine.ParameterBinder;
import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.exceptions.ExpressionException;
import dev.backendworkflows.expression.Expression;
import dev.backendworkflows.expression.Template;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.ErrorInfo.FieldError;
import dev.backendworkflows.schedule.ScheduleExpression;
import java.time.Instant;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads a directory of workflow YAML files plus {@value #DATA_SCHEMA_FILE}, validates them against
 * the published JSON Schemas and then semantically (expressions, references, types), and reports
 * every problem at once as {@code file: path: reason}.
 */
public final class DefinitionLoader {
  public static final String DATA_SCHEMA_FILE = "data-schema.yaml";
  public static final String WORKFLOW_SCHEMA = "/schema/workflow.schema.json";
  public static final String DATA_SCHEMA_SCHEMA = "/schema/data-schema.schema.json";

  private static final Pattern STEP_REF = Pattern.compile("\\$steps\\.([A-Za-z_][A-Za-z0-9_]*)");
  private static final Pattern PARAM_REF = Pattern.compile("\\$params\\.([A-Za-z_][A-Za-z0-9_]*)");
  /** Unique and indexed fields a type may have: a write moves up to two items for each, in one transaction of at most 100. */
  static final int MAX_GUARDED_FIELDS = 40;
  private static final Set<String> STEP_KEYS = Set.of("id", "action", "when", "description");
  /** Step arguments that name another workflow. */
  private static final Set<String> WORKFLOW_ARGS = Set.of("workflow", "event");
  /** The parameters every data_change workflow has: the thing before and after the change, and the change itself. */
  public static final Map<String, ParameterSpec> DATA_CHANGE_PARAMETERS = dataChangeParameters();
  /** The variables a data_change condition sees. */
  private static final Set<String> CHANGE_VARIABLES = Set.of("old", "new", "change");
  /** The fields of {@code $change}. */
  public static final List<String> CHANGE_FIELDS = List.of("event", "type", "id", "sequence");
  /** The fields every thing's view has besides its type's ({@link dev.backendworkflows.data.Thing#view()}). */
  private static final Set<String> THING_OWN_FIELDS = Set.of("_id", "_type", "_created", "_modified", "_version");

  private static Map<String, ParameterSpec> dataChangeParameters() {
    Map<String, ParameterSpec> p = new LinkedHashMap<>();
    for (String name : List.of("old", "new", "change")) {
      p.put(name, new ParameterSpec(name, ValueType.OBJECT, false, false, null, false));
    }
    return java.util.Collections.unmodifiableMap(p);
  }

  /**
   * The build's record of the definitions it checked in full: one SHA-256 of a file's text per line.
   * {@link #loadFor} skips the JSON Schema check (and compiling the schemas) for a file whose text
   * is listed; any other file is checked as usual. Written by {@link DefinitionCheck} when the
   * artifact is built.
   */
  public static final String VALIDATED_FILE = "validated.sha256";

  // compiled on first use: a function whose definitions the build checked never needs them
  private JsonSchema workflowSchema;
  private JsonSchema dataSchemaSchema;

  private JsonSchema workflowSchema() {
    if (workflowSchema == null) {
      workflowSchema = schema(WORKFLOW_SCHEMA);
    }
    return workflowSchema;
  }

  private JsonSchema dataSchemaSchema() {
    if (dataSchemaSchema == null) {
      dataSchemaSchema = schema(DATA_SCHEMA_SCHEMA);
    }
    return dataSchemaSchema;
  }

  /** Loads every {@code *.yaml} in {@code dir}. */
  public Workflows load(Path dir) {
    return load(sources(dir));
  }

  /**
   * Loads what the function of {@code workflow} runs: that workflow, the workflows its steps name
   * (scheduled, fanned out, triggered) and theirs in turn, and every data type. The rest of
   * {@code dir} is not built (the build checked it). Files listed in {@link #VALIDATED_FILE} skip
   * the JSON Schema check. An unknown {@code workflow} loads everything, as {@link #load(Path)}.
   */
  public Workflows loadFor(Path dir, String workflow) {
    Map<String, String> sources = sources(dir);
    Set<String> validated = new java.util.HashSet<>();
    Path manifest = dir.resolve(VALIDATED_FILE);
    if (Files.isRegularFile(manifest)) {
      try {
        Files.readAllLines(manifest, StandardCharsets.UTF_8).stream().map(String::strip).filter(l -> !l.isEmpty()).forEach(validated::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return load(sources, workflow, validated);
  }

  /** The SHA-256 of a definition's text, as {@link #VALIDATED_FILE} lists it. */
  public static String digest(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** File name → text of every {@code *.yaml} in {@code dir}. */
  public static Map<String, String> sources(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new DefinitionException(List.of(new DefinitionError(dir.toString(), "(directory)",
          "no such directory: expected a folder of workflow .yaml files")));
    }
    Map<String, String> sources = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
        String n = f.getFileName().toString();
        if (Files.isRegularFile(f) && (n.endsWith(".yaml") || n.endsWith(".yml"))) {
          try {
            sources.put(n, Files.readString(f, StandardCharsets.UTF_8));
          } catch (java.nio.charset.CharacterCodingException notText) {
            throw new DefinitionException(List.of(new DefinitionError(n, "(file)", "not UTF-8 text: save the file as UTF-8")));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sources;
  }

  /** Loads definitions given as file name → YAML text. */
  public Workflows load(Map<String, String> sources) {
    return load(sources, null, Set.of());
  }

  private Workflows load(Map<String, String> sources, String only, Set<String> validated) {
    List<DefinitionError> errors = new ArrayList<>();
    Map<String, DataType> types = Map.of();
    String dataSchema = sources.get(DATA_SCHEMA_FILE);
    if (dataSchema != null) {
      types = loadTypes(dataSchema, validated.contains(digest(dataSchema)) ? null : dataSchemaSchema(), errors);
    }
    Set<String> files = only == null ? sources.keySet() : closure(sources, only);
    Map<String, WorkflowDefinition> workflows = new LinkedHashMap<>();
    Map<String, JsonNode> trees = new LinkedHashMap<>();
    for (var e : new TreeMap<>(sources).entrySet()) {
      if (e.getKey().equals(DATA_SCHEMA_FILE) || !files.contains(e.getKey())) {
        continue;
      }
      JsonNode tree = parse(e.getKey(), e.getValue(), validated.contains(digest(e.getValue())) ? null : workflowSchema(), errors);
      if (tree != null) {
        trees.put(e.getKey(), tree);
        WorkflowDefinition wf = new WorkflowBuilder(e.getKey(), e.getValue(), tree, types, errors).build();
        if (wf != null) {
          workflows.put(wf.name(), wf);
        }
      }
    }
    // references to other workflows can only be checked once all are loaded
    trees.forEach((file, tree) -> {
      JsonNode steps = tree.path("steps");
      for (int i = 0; i < steps.size(); i++) {
        for (String arg : WORKFLOW_ARGS) {
          JsonNode ref = steps.get(i).get(arg);
          if (ref != null && ref.isTextual() && !workflows.containsKey(ref.asText())) {
            errors.add(new DefinitionError(file, "steps[" + i + "]." + arg,
                "unknown workflow '" + ref.asText() + "' (known: " + String.join(", ", new TreeMap<>(workflows).keySet()) + ")"));
          } else if (ref != null && ref.isTextual() && arg.equals("workflow")
              && workflows.get(ref.asText()).trigger().kind() == Trigger.Kind.DATA_CHANGE) {
            errors.add(new DefinitionError(file, "steps[" + i + "]." + arg, "'" + ref.asText() + "' runs only when a "
                + workflows.get(ref.asText()).trigger().dataChange().type() + " changes (trigger: data_change); it cannot be scheduled"));
          }
        }
      }
    });
    checkEvents(trees, workflows, errors);
    if (!errors.isEmpty()) {
      throw new DefinitionException(errors);
    }
    return new Workflows(workflows, types, warnings(trees, workflows, types));
  }

  /**
   * The files of {@code workflow} and of every workflow its steps name, transitively (by the
   * {@code name} in each file); every file when {@code workflow} is in none, or a file is not YAML.
   */
  private static Set<String> closure(Map<String, String> sources, String workflow) {
    Map<String, String> fileOf = new LinkedHashMap<>();
    Map<String, JsonNode> trees = new LinkedHashMap<>();
    for (var e : sources.entrySet()) {
      if (e.getKey().equals(DATA_SCHEMA_FILE)) {
        continue;
      }
      try {
        JsonNode tree = Json.YAML.readTree(e.getValue());
        if (tree == null || !tree.isObject()) {
          return sources.keySet();
        }
        trees.put(e.getKey(), tree);
        fileOf.putIfAbsent(tree.path("name").asText(), e.getKey());
      } catch (JsonProcessingException notYaml) {
        return sources.keySet(); // reported, with where, by the full load
      }
    }
    if (!fileOf.containsKey(workflow)) {
      return sources.keySet();
    }
    Set<String> files = new java.util.LinkedHashSet<>();
    java.util.Deque<String> toVisit = new java.util.ArrayDeque<>(List.of(workflow));
    while (!toVisit.isEmpty()) {
      String file = fileOf.get(toVisit.poll());
      if (file == null || !files.add(file)) {
        continue; // an unknown name is reported by the reference check below
      }
      trees.get(file).path("steps").forEach(step -> WORKFLOW_ARGS.forEach(arg -> {
        if (step.path(arg).isTextual()) {
          toVisit.add(step.path(arg).asText());
        }
      }));
    }
    return files;
  }

  /** trigger_event targets must be custom events, and custom events must not call themselves round. */
  private static void checkEvents(Map<String, JsonNode> trees, Map<String, WorkflowDefinition> workflows, List<DefinitionError> errors) {
    Map<String, List<String>> calls = new LinkedHashMap<>();
    trees.forEach((file, tree) -> {
      String name = tree.path("name").asText();
      JsonNode steps = tree.path("steps");
      for (int i = 0; i < steps.size(); i++) {
        JsonNode event = steps.get(i).get("event");
        if (!"trigger_event".equals(steps.get(i).path("action").asText()) || event == null || !event.isTextual()) {
          continue;
        }
        WorkflowDefinition target = workflows.get(event.asText());
        if (target != null && target.trigger().kind() != Trigger.Kind.CUSTOM_EVENT) {
          errors.add(new DefinitionError(file, "steps[" + i + "].event", "'" + event.asText() + "' is not a custom event "
              + "(its trigger is " + target.trigger().kind().name().toLowerCase() + "); trigger_event runs workflows with trigger: custom_event"));
        }
        calls.computeIfAbsent(name, k -> new ArrayList<>()).add(event.asText());
      }
    });
    for (String start : calls.keySet()) {
      List<String> cycle = cycleFrom(start, start, calls, new ArrayList<>(List.of(start)), new java.util.HashSet<>());
      if (cycle != null && cycle.getFirst().equals(cycle.stream().sorted().findFirst().orElse(start))) { // report each cycle once
        errors.add(new DefinitionError(start + ".yaml", "steps", "custom events call each other in a cycle: " + String.join(" → ", cycle)));
      }
    }
  }

  private static List<String> cycleFrom(String start, String at, Map<String, List<String>> calls, List<String> path, java.util.Set<String> seen) {
    for (String next : calls.getOrDefault(at, List.of())) {
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        return cycle;
      }
      if (seen.add(next)) {
        path.add(next);
        List<String> found = cycleFrom(start, next, calls, path, seen);
        if (found != null) {
          return found;
        }
        path.removeLast();
      }
    }
    return null;
  }

  private Map<String, DataType> loadTypes(String yaml, JsonSchema schema, List<DefinitionError> errors) {
    JsonNode tree = parse(DATA_SCHEMA_FILE, yaml, schema, errors);
    if (tree == null) {
      return Map.of();
    }
    Map<String, DataType> types = new LinkedHashMap<>();
    tree.path("types").fields().forEachRemaining(t -> {
      Map<String, FieldSpec> fields = new LinkedHashMap<>();
      t.getValue().path("fields").fields().forEachRemaining(f -> {
        FieldSpec spec = new FieldSpec(f.getKey(), ValueType.fromWire(f.getValue().path("type").asText()),
            f.getValue().path("list").asBoolean(false), f.getValue().path("unique").asBoolean(false),
            f.getValue().path("index").asBoolean(false));
        if (spec.index() && (spec.list() || spec.type() == ValueType.OBJECT)) {
          errors.add(new DefinitionError(DATA_SCHEMA_FILE, "types." + t.getKey() + ".fields." + f.getKey() + ".index",
              "index is for a single text, number, boolean or date value, not " + (spec.list() ? "a list" : "an object")));
        }
        if (spec.unique() && (spec.list() || !Set.of(ValueType.TEXT, ValueType.NUMBER, ValueType.DATE).contains(spec.type()))) {
          errors.add(new DefinitionError(DATA_SCHEMA_FILE, "types." + t.getKey() + ".fields." + f.getKey() + ".unique",
              "unique is for a single text, number or date value, not " + (spec.list() ? "a list" : "a " + spec.type().wire())));
        }
        fields.put(f.getKey(), spec);
      });
      long guarded = fields.values().stream().filter(f -> f.unique() || f.index()).count();
      if (guarded > MAX_GUARDED_FIELDS) { // each takes up to two writes of a thing's transaction, which holds 100
        errors.add(new DefinitionError(DATA_SCHEMA_FILE, "types." + t.getKey() + ".fields", "at most " + MAX_GUARDED_FIELDS
            + " fields of a type may be unique or indexed, got " + guarded));
      }
      JsonNode privacy = t.getValue().get("privacy");
      types.put(t.getKey(), new DataType(t.getKey(), fields, privacy == null ? null : privacyRules(t.getKey(), privacy, fields, errors)));
    });
    return types;
  }

  /** What a privacy rule may read: only the user and the thing (nothing of a run is bound when it is checked). */
  private static final Pattern PRIVACY_REF = Pattern.compile("\\$(params|steps|run|step|secrets|now)\\b");

  /** A type's privacy rules, each a boolean or a {@code {% %}} condition over {@code $user} and {@code $thing}. */
  private static PrivacyRules privacyRules(String type, JsonNode node, Map<String, FieldSpec> fields, List<DefinitionError> errors) {
    String at = "types." + type + ".privacy";
    java.util.function.BiFunction<JsonNode, String, Template> rule = (n, path) -> {
      if (n == null) {
        return null;
      }
      if (n.isBoolean()) {
        return Template.of(n.asBoolean());
      }
      try {
        Template t = Template.of(n.asText());
        if (!(t instanceof Template.Single)) { // text around or between expressions would be a non-empty string: not a condition
          errors.add(new DefinitionError(DATA_SCHEMA_FILE, path, "a privacy rule is true, false or one {% %} condition, got '"
              + n.asText() + "'"));
          return null;
        }
        for (var e : t.expressions()) {
          Matcher m = PRIVACY_REF.matcher(e.source());
          if (m.find()) {
            errors.add(new DefinitionError(DATA_SCHEMA_FILE, path, "a privacy rule sees only $user and $thing, not $" + m.group(1)
                + " (in '" + e.source().strip() + "')"));
          }
        }
        return t;
      } catch (ExpressionException e) {
        errors.add(new DefinitionError(DATA_SCHEMA_FILE, path, e.getMessage()));
        return null;
      }
    };
    Map<String, Template> fieldRules = new LinkedHashMap<>();
    node.path("fields").fields().forEachRemaining(f -> {
      if (!fields.containsKey(f.getKey())) {
        errors.add(new DefinitionError(DATA_SCHEMA_FILE, at + ".fields." + f.getKey(), "unknown field '" + f.getKey() + "' of type '"
            + type + "' (fields: " + String.join(", ", new TreeMap<>(fields).keySet()) + ")"));
      } else {
        Template t = rule.apply(f.getValue(), at + ".fields." + f.getKey());
        if (t != null) {
          fieldRules.put(f.getKey(), t);
        }
      }
    });
    return new PrivacyRules(rule.apply(node.get("read"), at + ".read"), fieldRules, rule.apply(node.get("create"), at + ".create"),
        rule.apply(node.get("change"), at + ".change"), rule.apply(node.get("delete"), at + ".delete"));
  }

  /**
   * Warnings, not errors: a workflow any end user can call (auth: user or none) whose steps read or
   * write a type without privacy rules lets every such user see and change every thing of it.
   */
  private static List<DefinitionError> warnings(Map<String, JsonNode> trees, Map<String, WorkflowDefinition> workflows,
      Map<String, DataType> types) {
    List<DefinitionError> warnings = new ArrayList<>();
    Map<String, String> fileOf = new LinkedHashMap<>();
    trees.forEach((file, tree) -> fileOf.put(tree.path("name").asText(), file));
    // the user-callable workflows, and the custom events they reach, which act for the same user
    java.util.Deque<String> toVisit = new java.util.ArrayDeque<>();
    workflows.values().stream().filter(WorkflowDefinition::userCallable).map(WorkflowDefinition::name).sorted().forEach(toVisit::add);
    java.util.Set<String> reached = new java.util.LinkedHashSet<>();
    while (!toVisit.isEmpty()) {
      String name = toVisit.poll();
      if (reached.add(name) && fileOf.containsKey(name)) {
        trees.get(fileOf.get(name)).path("steps").forEach(step -> {
          if ("trigger_event".equals(step.path("action").asText()) && step.path("event").isTextual()) {
            toVisit.add(step.path("event").asText());
          }
        });
      }
    }
    String auth = "end users";
    reached.stream().filter(fileOf::containsKey).forEach(name -> {
      String file = fileOf.get(name);
      JsonNode tree = trees.get(file);
      WorkflowDefinition wf = workflows.get(name);
      if (wf == null) {
        return;
      }
      JsonNode steps = tree.path("steps");
      for (int i = 0; i < steps.size(); i++) {
        JsonNode step = steps.get(i);
        JsonNode typeNode = step.has("type") ? step.get("type") : step.path("search").get("type");
        DataType type = typeNode == null ? null : types.get(typeNode.asText());
        if (type != null && type.privacy() == null && !step.path("ignore_privacy").asBoolean(false)) {
          warnings.add(new DefinitionError(file, "steps[" + i + "]" + (step.has("type") ? "" : ".search") + ".type",
              (wf.userCallable() ? "auth: " + wf.trigger().auth().name().toLowerCase(java.util.Locale.ROOT) + " lets " + auth
                  : "this custom event runs for workflows end users call, so it lets them") + " run this step over '" + type.name()
              + "', which has no privacy rules: every caller may see and change every " + type.name() + " (add privacy: to "
              + DATA_SCHEMA_FILE + ")"));
        }
      }
    });
    List<String> readers = workflows.values().stream().filter(w -> w.trigger().kind() == Trigger.Kind.DATA_CHANGE)
        .map(WorkflowDefinition::name).sorted().toList();
    if (readers.size() > MAX_STREAM_READERS) {
      warnings.add(new DefinitionError(fileOf.get(readers.get(MAX_STREAM_READERS)), "trigger.data_change", readers.size()
          + " data_change workflows (" + String.join(", ", readers) + ") each read the Things table's stream on AWS, which "
          + "serves " + MAX_STREAM_READERS + " readers well: more are throttled, and their changes arrive late"));
    }
    return warnings;
  }

  /** How many functions DynamoDB Streams lets read a stream's shards at once without throttling. */
  public static final int MAX_STREAM_READERS = 2;

  /** Parses YAML and checks it against a schema (unless null: checked by the build); null (with errors added) when either fails. */
  private static JsonNode parse(String file, String yaml, JsonSchema schema, List<DefinitionError> errors) {
    JsonNode tree;
    try {
      tree = Json.YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      String reason = e.getOriginalMessage().startsWith("Trailing token")
          ? "a second YAML document (after ---): a file holds one workflow"
          : e.getOriginalMessage().replaceAll("\\s*\\n\\s*", "; ");
      errors.add(new DefinitionError(file, loc == null ? "(yaml)" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr(),
          "not valid YAML: " + reason));
      return null;
    }
    if (tree == null || !tree.isObject()) {
      errors.add(new DefinitionError(file, "(root)", "expected a mapping (key: value lines), got " + (tree == null ? "an empty file" : tree.getNodeType().toString().toLowerCase())));
      return null;
    }
    if (schema == null) {
      return tree;
    }
    Set<ValidationMessage> problems = schema.validate(tree);
    problems.stream().map(m -> toError(file, m)).distinct()
        .sorted(Comparator.comparing(DefinitionError::path)).forEach(errors::add);
    return problems.isEmpty() ? tree : null;
  }

  private static DefinitionError toError(String file, ValidationMessage m) {
    String at = path(m.getInstanceLocation().toString());
    String error = m.getError() != null ? m.getError() : m.getMessage();
    return switch (m.getType()) {
      case "required" -> new DefinitionError(file, join(at, m.getProperty()), "is required");
      case "additionalProperties" -> new DefinitionError(file, join(at, m.getProperty()),
          "unknown field '" + m.getProperty() + "' (not allowed here)");
      case "enum" -> at.endsWith(".action")
          ? new DefinitionError(file, at, "unknown action '" + m.getInstanceNode().asText() + "'; expected one of "
              + m.getSchemaNode().toString().replaceAll("[\\[\\]\"]", "").replace(",", ", "))
          : new DefinitionError(file, at, "got " + m.getInstanceNode() + "; " + error);
      case "type" -> new DefinitionError(file, at, "wrong type: " + error);
      case "pattern" -> at.endsWith("when") || error.contains("{%")
          ? new DefinitionError(file, at, "expected a JSONata expression written as {% ... %}")
          : new DefinitionError(file, at, "'" + m.getInstanceNode().asText() + "' is not a valid name: use lower-case letters, digits and _ (or - for workflow names), starting with a letter");
      default -> new DefinitionError(file, at, error);
    };
  }

  private static String path(String jsonPath) {
    String p = jsonPath.startsWith("$.") ? jsonPath.substring(2) : jsonPath.startsWith("$") ? jsonPath.substring(1) : jsonPath;
    return p.isEmpty() ? "(root)" : p;
  }

  private static String join(String at, String property) {
    return at.equals("(root)") ? property : at + "." + property;
  }

  private static JsonSchema schema(String resource) {
    try (InputStream in = DefinitionLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("schema resource missing: " + resource);
      }
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds one workflow from a schema-valid tree, adding semantic errors. */
  private static final class WorkflowBuilder {
    private final String file;
    private final String text;
    private final JsonNode tree;
    private final Map<String, DataType> types;
    private final List<DefinitionError> errors;

    WorkflowBuilder(String file, String text, JsonNode tree, Map<String, DataType> types, List<DefinitionError> errors) {
      this.file = file;
      this.text = text;
      this.tree = tree;
      this.types = types;
      this.errors = errors;
    }

    WorkflowDefinition build() {
      int before = errors.size();
      String name = tree.path("name").asText();
      String expectedName = file.replaceFirst("\\.ya?ml$", "");
      if (!name.equals(expectedName)) {
        error("name", "is '" + name + "' but the file is " + file + ": name a workflow after its file ('" + expectedName + "')");
      }
      Map<String, ParameterSpec> params = parameters();
      Trigger trigger = trigger();
      if (trigger != null && trigger.kind() == Trigger.Kind.DATA_CHANGE) {
        if (!params.isEmpty()) {
          error("parameters", "a data_change workflow is started by a change, with the parameters old, new and change; "
              + "it cannot declare its own");
        }
        params = DATA_CHANGE_PARAMETERS;
      }
      List<StepDefinition> steps = steps(params);
      if (trigger != null && trigger.kind() == Trigger.Kind.RECURRING
          && params.values().stream().anyMatch(ParameterSpec::required)) {
        error("parameters", "a recurring workflow is started without parameters, so none can be required");
      }
      WorkflowDefinition.FunctionSettings function = functionSettings();
      if (trigger != null && trigger.kind() == Trigger.Kind.API && function.timeoutS() != null
          && function.timeoutS() > WorkflowDefinition.API_TIMEOUT_LIMIT_S) {
        error("function.timeout_s", "is " + function.timeoutS() + " s, but API Gateway answers the caller after "
            + WorkflowDefinition.API_TIMEOUT_LIMIT_S + " s at most, so an API workflow must finish within that; move long work "
            + "to a workflow it schedules (schedule_workflow), which may run up to 900 s");
      }
      dev.backendworkflows.expression.Template idempotencyKey = null;
      if (tree.has("idempotency_key")) {
        if (trigger != null && trigger.kind() != Trigger.Kind.API) {
          error("idempotency_key", "only API workflows take an idempotency key (their callers may retry); this one is "
              + trigger.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        idempotencyKey = compile(tree.get("idempotency_key").asText(), "idempotency_key");
        if (idempotencyKey != null) {
          checkReferences("idempotency_key", idempotencyKey, Map.of(), 0, tree.path("steps"), params, true);
        }
      }
      List<String> declaredSecrets = new ArrayList<>();
      tree.path("secrets").forEach(n -> declaredSecrets.add(n.asText()));
      checkSecrets(declaredSecrets);
      List<String> declaredSenders = new ArrayList<>();
      tree.path("senders").forEach(n -> declaredSenders.add(n.asText()));
      checkSenders(declaredSenders);
      if (errors.size() > before) {
        return null;
      }
      WorkflowDefinition wf = new WorkflowDefinition(name, tree.path("description").asText(null), trigger, params,
          example(), steps, file, version(text), function,
          tree.path("max_iterations").asInt(WorkflowDefinition.DEFAULT_MAX_ITERATIONS),
          tree.path("max_attempts").asInt(WorkflowDefinition.DEFAULT_MAX_ATTEMPTS),
          tree.path("max_fanout").asInt(WorkflowDefinition.DEFAULT_MAX_FANOUT), idempotencyKey, declaredSecrets,
          "ignore".equals(tree.path("extra_parameters").asText("reject")), declaredSenders);
      try {
        if (tree.has("example")) {
          ParameterBinder.bind(wf, wf.example());
        }
      } catch (InvalidInputException e) {
        e.fields().forEach(f -> error("example." + f.field(), f.message()));
        return null;
      }
      return wf;
    }

    /** Every {@code { secret: name }} a step writes must name a secret the workflow declares, and every declared one is used. */
    private void checkSecrets(List<String> declared) {
      java.util.Set<String> used = new java.util.HashSet<>();
      JsonNode signatureSecret = tree.path("trigger").path("api").path("signature").path("secret");
      if (signatureSecret.isTextual()) {
        used.add(signatureSecret.asText());
        if (!declared.contains(signatureSecret.asText())) {
          notDeclared("trigger.api.signature.secret", "secret", signatureSecret.asText(), declared);
        }
      }
      JsonNode steps = tree.path("steps");
      for (int i = 0; i < steps.size(); i++) {
        for (String arg : List.of("headers", "query")) {
          JsonNode values = steps.get(i).path(arg);
          int index = i;
          values.fields().forEachRemaining(f -> {
            if (f.getValue().isObject() && f.getValue().has("secret")) {
              String name = f.getValue().get("secret").asText();
              used.add(name);
              if (!declared.contains(name)) {
                notDeclared("steps[" + index + "]." + arg + "." + f.getKey() + ".secret", "secret", name, declared);
              }
            }
          });
        }
      }
      for (int i = 0; i < declared.size(); i++) {
        if (!used.contains(declared.get(i))) {
          error("secrets[" + i + "]", "secret '" + declared.get(i) + "' is declared but no step uses it: its function would be "
              + "allowed to read it for nothing");
        }
      }
    }

    /** {@code kind} (secret, sender) {@code name} is used at {@code at} but not among {@code declared}. */
    private void notDeclared(String at, String kind, String name, List<String> declared) {
      error(at, kind + " '" + name + "' is not declared: add it to the workflow's " + kind + "s ("
          + (declared.isEmpty() ? "none declared" : String.join(", ", declared)) + ")");
    }

    /**
     * Every {@code from} a send_email step writes must be a declared sender; a {@code from} set by an
     * expression needs senders to choose from (checked again when it is evaluated); every declared
     * sender is used.
     */
    private void checkSenders(List<String> declared) {
      java.util.Set<String> addresses = new java.util.HashSet<>();
      declared.forEach(d -> addresses.add(dev.backendworkflows.mail.Email.address(d)));
      java.util.Set<String> used = new java.util.HashSet<>();
      boolean chosenByExpression = false;
      JsonNode steps = tree.path("steps");
      for (int i = 0; i < steps.size(); i++) {
        JsonNode from = steps.get(i).path("from");
        if (!"send_email".equals(steps.get(i).path("action").asText()) || !from.isTextual()) {
          continue;
        }
        if (from.asText().contains("{%")) {
          chosenByExpression = true;
          if (declared.isEmpty()) {
            error("steps[" + i + "].from", "'from' is an expression: list the addresses it may evaluate to in the workflow's "
                + "senders (its function may send only as those and the stage's MailFrom)");
          }
          continue;
        }
        String address = dev.backendworkflows.mail.Email.address(from.asText());
        used.add(address);
        if (!addresses.contains(address)) {
          notDeclared("steps[" + i + "].from", "sender", address, declared);
        }
      }
      for (int i = 0; i < declared.size(); i++) {
        if (!chosenByExpression && !used.contains(dev.backendworkflows.mail.Email.address(declared.get(i)))) {
          error("senders[" + i + "]", "sender '" + declared.get(i) + "' is declared but no send_email step gives it as 'from': "
              + "its function would be allowed to send as it for nothing");
        }
      }
    }

    private WorkflowDefinition.FunctionSettings functionSettings() {
      JsonNode f = tree.path("function");
      return new WorkflowDefinition.FunctionSettings(f.has("reserved_concurrency") ? f.get("reserved_concurrency").asInt() : null,
          f.has("memory_mb") ? f.get("memory_mb").asInt() : null, f.has("timeout_s") ? f.get("timeout_s").asInt() : null);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> example() {
      return tree.has("example") ? (Map<String, Object>) Json.plain(tree.get("example")) : Map.of();
    }

    private Trigger trigger() {
      JsonNode t = tree.path("trigger");
      if (t.has("data_change")) {
        return dataChange(t.get("data_change"));
      }
      if (t.has("api")) {
        String auth = t.path("api").path("auth").asText("api_key");
        JsonNode sig = t.path("api").path("signature");
        Trigger.Signature signature = null;
        if (auth.equals("signature")) {
          if (!sig.isObject()) {
            error("trigger.api.signature", "auth: signature needs signature: { scheme, secret } (and header for hmac-sha256)");
          } else {
            signature = new Trigger.Signature(sig.path("scheme").asText(), sig.path("secret").asText(), sig.path("header").asText(null),
                sig.path("timestamp_header").asText(null), sig.path("tolerance_s").asInt(300));
            if (signature.scheme().equals("hmac-sha256") && signature.header() == null) {
              error("trigger.api.signature.header", "the hmac-sha256 scheme needs the header that carries the signature");
            }
            if (signature.scheme().equals("hmac-sha256") && signature.timestampHeader() == null && !tree.has("idempotency_key")) {
              error("trigger.api.signature", "without timestamp_header a captured request stays validly signed forever: sign "
                  + "a timestamp (timestamp_header), or give the workflow an idempotency_key (such as the provider's event "
                  + "or delivery id) so that a replay gets the first run's answer instead of a new run");
            }
          }
        } else if (sig.isObject()) {
          error("trigger.api.signature", "is only read with auth: signature");
        }
        return new Trigger(Trigger.Kind.API, switch (auth) {
          case "none" -> Trigger.Auth.NONE;
          case "user" -> Trigger.Auth.USER;
          case "signature" -> Trigger.Auth.SIGNATURE;
          default -> Trigger.Auth.API_KEY;
        }, null, signature);
      }
      if (t.has("recurring")) {
        JsonNode r = t.get("recurring");
        try {
          ScheduleExpression expression = ScheduleExpression.parse(r.path("schedule").asText(), r.path("timezone").asText(null));
          return new Trigger(Trigger.Kind.RECURRING, Trigger.Auth.API_KEY, new Trigger.Recurring(expression,
              instant(r, "start"), instant(r, "end")));
        } catch (IllegalArgumentException e) {
          String m = e.getMessage();
          error("trigger.recurring." + (m.contains("time zone") ? "timezone" : m.startsWith("start ") ? "start"
              : m.startsWith("end ") ? "end" : "schedule"), m);
          return null;
        }
      }
      return new Trigger(t.has("schedule") ? Trigger.Kind.SCHEDULE : Trigger.Kind.CUSTOM_EVENT, Trigger.Auth.API_KEY);
    }

    /**
     * A data_change trigger: its type must be declared, its fields must be the type's (and narrow
     * only changes), and its condition may read only $old, $new and $change — and, unless the type
     * has object fields, only the type's fields and the things' own (_id, _version, …).
     */
    private Trigger dataChange(JsonNode dc) {
      String typeName = dc.path("type").asText();
      DataType type = types.get(typeName);
      if (type == null) {
        error("trigger.data_change.type", "unknown type '" + typeName + "' (declared in " + DATA_SCHEMA_FILE + ": "
            + (types.isEmpty() ? "none" : String.join(", ", new TreeMap<>(types).keySet())) + ")");
      }
      Set<Trigger.ChangeEvent> on = java.util.EnumSet.noneOf(Trigger.ChangeEvent.class);
      dc.path("on").forEach(e -> on.add(Trigger.ChangeEvent.valueOf(e.asText().toUpperCase(java.util.Locale.ROOT))));
      if (!dc.has("on")) {
        on.addAll(java.util.EnumSet.allOf(Trigger.ChangeEvent.class));
      }
      List<String> fields = new ArrayList<>();
      JsonNode fieldNodes = dc.path("fields");
      for (int i = 0; i < fieldNodes.size(); i++) {
        String f = fieldNodes.get(i).asText();
        fields.add(f);
        if (type != null && !type.fields().containsKey(f)) {
          error("trigger.data_change.fields[" + i + "]", "'" + f + "' is not a field of " + typeName + " (fields: "
              + String.join(", ", new TreeMap<>(type.fields()).keySet()) + ")");
        }
      }
      if (!fields.isEmpty() && !on.contains(Trigger.ChangeEvent.CHANGED)) {
        error("trigger.data_change.fields", "fields narrow which changes run the workflow, but 'on' does not include changed");
      }
      Template when = dc.has("when") ? compile(dc.get("when").asText(), "trigger.data_change.when") : null;
      if (when != null) {
        checkChangeCondition(when, type);
      }
      return new Trigger(new Trigger.DataChange(typeName, on, fields, when,
          dc.path("batch_size").asInt(Trigger.DataChange.DEFAULT_BATCH_SIZE),
          dc.path("max_retries").asInt(Trigger.DataChange.DEFAULT_MAX_RETRIES),
          dc.path("max_depth").asInt(Trigger.DataChange.DEFAULT_MAX_DEPTH)));
    }

    /** What a data_change condition reads, on its parsed expressions: only $old, $new and $change, and the type's fields. */
    private void checkChangeCondition(Template when, DataType type) {
      Set<String> known = new java.util.HashSet<>(THING_OWN_FIELDS);
      known.addAll(CHANGE_FIELDS);
      boolean nested = type == null || type.fields().values().stream().anyMatch(f -> f.type() == ValueType.OBJECT);
      if (type != null) {
        known.addAll(type.fields().keySet());
      }
      for (Expression e : when.expressions()) {
        Expression.Reads reads = e.reads();
        for (String v : new java.util.TreeSet<>(reads.variables())) {
          if (!CHANGE_VARIABLES.contains(v) && !Expression.PURE_FUNCTIONS.contains(v) && !reads.bound().contains(v)) {
            error("trigger.data_change.when", "'$" + v + "' in '" + e.source().strip() + "' is not known here: a data_change "
                + "condition sees $old, $new and $change (" + String.join(", ", CHANGE_FIELDS) + ")");
          }
        }
        if (!nested) {
          for (String f : new java.util.TreeSet<>(reads.fields())) {
            if (!known.contains(f)) {
              error("trigger.data_change.when", "'" + f + "' in '" + e.source().strip() + "' is not a field of " + type.name()
                  + " (fields: " + String.join(", ", new TreeMap<>(type.fields()).keySet()) + ")");
            }
          }
        }
      }
    }

    private Instant instant(JsonNode recurring, String field) {
      if (!recurring.hasNonNull(field)) {
        return null;
      }
      try {
        return java.time.OffsetDateTime.parse(recurring.get(field).asText()).toInstant();
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(field + " must be an ISO-8601 date-time with offset, got '" + recurring.get(field).asText() + "'");
      }
    }

    private Map<String, ParameterSpec> parameters() {
      Map<String, ParameterSpec> params = new LinkedHashMap<>();
      tree.path("parameters").fields().forEachRemaining(e -> {
        JsonNode p = e.getValue();
        ValueType type = ValueType.fromWire(p.path("type").asText());
        boolean list = p.path("list").asBoolean(false);
        Object def = p.has("default") ? Json.plain(p.get("default")) : null;
        if (def != null) {
          List<FieldError> bad = new ArrayList<>();
          def = Values.coerce(def, type, list, "parameters." + e.getKey() + ".default", bad);
          bad.forEach(b -> error(b.field(), "default does not match the parameter's type: " + b.message()));
        }
        boolean required = p.path("required").asBoolean(false);
        if (required && def != null) {
          error("parameters." + e.getKey(), "a required parameter cannot have a default");
        }
        params.put(e.getKey(), new ParameterSpec(e.getKey(), type, list, required, def, p.path("secret").asBoolean(false)));
      });
      return params;
    }

    private List<StepDefinition> steps(Map<String, ParameterSpec> params) {
      List<StepDefinition> steps = new ArrayList<>();
      Map<String, Integer> ids = new LinkedHashMap<>();
      JsonNode nodes = tree.path("steps");
      for (int i = 0; i < nodes.size(); i++) {
        JsonNode s = nodes.get(i);
        String at = "steps[" + i + "]";
        String id = s.hasNonNull("id") ? s.get("id").asText() : null;
        if (id != null && ids.putIfAbsent(id, i) != null) {
          error(at + ".id", "duplicate step id '" + id + "' (first used by steps[" + ids.get(id) + "])");
        }
        Template when = s.has("when") ? compile(s.get("when").asText(), at + ".when") : null;
        Map<String, Object> raw = new LinkedHashMap<>();
        Map<String, Template> args = new LinkedHashMap<>();
        s.fields().forEachRemaining(f -> {
          if (!STEP_KEYS.contains(f.getKey())) {
            Object value = Json.plain(f.getValue());
            raw.put(f.getKey(), value);
            Template t = compileTree(value, at + "." + f.getKey());
            if (t != null) {
              args.put(f.getKey(), t);
            }
          }
        });
        checkReferences(at, when, args, i, nodes, params, false);
        checkData(at, s);
        checkPrivacyOptions(at, s);
        steps.add(new StepDefinition(i, id, s.path("action").asText(), when, args, raw));
      }
      return steps;
    }

    /** Compiles every string leaf on its own first, so an error names its exact path. */
    private Template compileTree(Object value, String at) {
      int before = errors.size();
      walk(value, at);
      return errors.size() == before ? Template.of(value) : null;
    }

    private void walk(Object value, String at) {
      if (value instanceof String s) {
        compile(s, at);
      } else if (value instanceof Map<?, ?> m) {
        m.forEach((k, v) -> walk(v, at + "." + k));
      } else if (value instanceof List<?> l) {
        for (int i = 0; i < l.size(); i++) {
          walk(l.get(i), at + "[" + i + "]");
        }
      }
    }

    private Template compile(String s, String at) {
      try {
        return Template.of(s);
      } catch (ExpressionException e) {
        error(at, e.getMessage());
        return null;
      }
    }

    private void checkReferences(String at, Template when, Map<String, Template> args, int index, JsonNode nodes,
        Map<String, ParameterSpec> params, boolean paramsOnly) {
      List<Expression> expressions = new ArrayList<>();
      if (when != null) {
        expressions.addAll(when.expressions());
      }
      args.values().forEach(t -> expressions.addAll(t.expressions()));
      for (Expression e : expressions) {
        if (e.source().contains("$secrets")) {
          error(at, "expressions cannot read secrets ('" + e.source().strip() + "'): give an api_call header or query value as "
              + "{ secret: <name> } instead, so the value only ever goes into that request");
        }
        Matcher m = STEP_REF.matcher(e.source());
        if (paramsOnly && m.find()) {
          error(at, "can only use $params (it is computed before any step runs), not '" + e.source().strip() + "'");
          continue;
        }
        m.reset();
        while (m.find()) {
          String ref = m.group(1);
          int target = indexOfStep(nodes, ref);
          if (target < 0) {
            error(at, "unknown step '" + ref + "' in '" + e.source().strip() + "' (no step has id '" + ref + "')");
          } else if (target >= index) {
            error(at, "step '" + ref + "' runs at steps[" + target + "], not before this step: a step can only use results of earlier steps");
          }
        }
        Matcher p = PARAM_REF.matcher(e.source());
        while (p.find()) {
          if (!params.containsKey(p.group(1))) {
            error(at, "unknown parameter '" + p.group(1) + "' in '" + e.source().strip() + "' (declared: "
                + (params.isEmpty() ? "none" : String.join(", ", params.keySet())) + ")");
          }
        }
      }
    }

    private static int indexOfStep(JsonNode nodes, String id) {
      for (int i = 0; i < nodes.size(); i++) {
        if (id.equals(nodes.get(i).path("id").asText(null))) {
          return i;
        }
      }
      return -1;
    }

    /** ignore_privacy says why (the reason goes in the run log), and a step either acts as a user or ignores privacy. */
    private void checkPrivacyOptions(String at, JsonNode step) {
      if (step.path("ignore_privacy").asBoolean(false) && step.path("privacy_reason").asText("").isBlank()) {
        error(at + ".ignore_privacy", "say why with privacy_reason: <text> (it is recorded in the run log of every run of the step)");
      }
      if (step.has("ignore_privacy") && step.has("as_user")) {
        error(at + ".as_user", "a step either acts as a user (as_user) or ignores privacy (ignore_privacy), not both");
      } else if (step.has("as_user") && Set.of("user", "none").contains(tree.path("trigger").path("api").path("auth").asText())) {
        error(at + ".as_user", "this workflow's steps already act for the end user who calls it; as_user is for workflows "
            + "no end user can call (api_key, signature, scheduled), to act for one");
      }
    }

    /** Types, fields and literal field values must match the data schema. */
    private void checkData(String at, JsonNode step) {
      if (step.path("search").has("type")) {
        checkData(at + ".search", step.get("search"));
      }
      if (!step.has("type")) {
        return;
      }
      String typeName = step.get("type").asText();
      DataType type = types.get(typeName);
      if (type == null) {
        error(at + ".type", "unknown type '" + typeName + "' (declared in " + DATA_SCHEMA_FILE + ": "
            + (types.isEmpty() ? "none" : String.join(", ", new TreeMap<>(types).keySet())) + ")");
        return;
      }
      step.path("fields").fields().forEachRemaining(f -> {
        FieldSpec spec = type.fields().get(f.getKey());
        String fieldAt = at + ".fields." + f.getKey();
        if (spec == null) {
          unknownField(fieldAt, f.getKey(), type);
        } else if (!(f.getValue().isTextual() && f.getValue().asText().contains("{%")) && !f.getValue().isNull()) {
          List<FieldError> bad = new ArrayList<>();
          Values.coerce(Json.plain(f.getValue()), spec.type(), spec.list(), fieldAt, bad);
          bad.forEach(b -> error(b.field(), b.message()));
        }
      });
      JsonNode constraints = step.path("constraints");
      for (int c = 0; c < constraints.size(); c++) {
        String field = constraints.get(c).path("field").asText();
        if (!type.fields().containsKey(field)) {
          unknownField(at + ".constraints[" + c + "].field", field, type);
        }
      }
      if (step.path("sort").has("field") && !type.fields().containsKey(step.path("sort").path("field").asText())) {
        unknownField(at + ".sort.field", step.path("sort").path("field").asText(), type);
      }
    }

    private void unknownField(String at, String field, DataType type) {
      error(at, "unknown field '" + field + "' of type '" + type.name() + "' (fields: "
          + String.join(", ", new TreeMap<>(type.fields()).keySet()) + ")");
    }

    private void error(String path, String reason) {
      errors.add(new DefinitionError(file, path, reason));
    }
  }

  static String version(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
