// Offline validation of deploy/k8s/base, run by the test suite (KubernetesManifestTests):
//  1. every resource the kustomization lists exists, and every manifest in base/ is listed;
//  2. each document validates against its kubernetes-models schema (core, KEDA, Prometheus Operator);
//  3. no unknown keys: each document is type-checked by TypeScript as an object literal of the model's
//     interface, and TypeScript's excess-property check names any key the schema does not know;
//  4. the generated manifests are what generate.mjs writes now;
//  5. each Grafana dashboard in a ConfigMap is type-checked against Grafana's own published types (@grafana/schema:
//     the dashboard, its variables and annotations, and each panel's options and field config for its panel type).
// Exit code 0 when all hold; every finding is printed.
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { join, dirname, relative } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import YAML from "yaml";
import ts from "typescript";
import { generated } from "./generate.mjs";

const tools = dirname(fileURLToPath(import.meta.url));
// Usage: node validate.mjs [BASE_DIR]   (default: deploy/k8s/base; tests pass a doctored copy)
const base = process.argv[2] ?? join(tools, "..", "base");

// apiVersion/kind → [module under node_modules, class name, data interface name]
const models = {
  "v1/ConfigMap": ["kubernetes-models/v1/ConfigMap", "ConfigMap", "IConfigMap"],
  "v1/Secret": ["kubernetes-models/v1/Secret", "Secret", "ISecret"],
  "v1/ServiceAccount": ["kubernetes-models/v1/ServiceAccount", "ServiceAccount", "IServiceAccount"],
  "apps/v1/Deployment": ["kubernetes-models/apps/v1/Deployment", "Deployment", "IDeployment"],
  "batch/v1/CronJob": ["kubernetes-models/batch/v1/CronJob", "CronJob", "ICronJob"],
  "policy/v1/PodDisruptionBudget": ["kubernetes-models/policy/v1/PodDisruptionBudget", "PodDisruptionBudget", "IPodDisruptionBudget"],
  "keda.sh/v1alpha1/ScaledObject": ["@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject", "ScaledObject", "IScaledObject"],
  "keda.sh/v1alpha1/TriggerAuthentication": ["@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication", "TriggerAuthentication", "ITriggerAuthentication"],
  "monitoring.coreos.com/v1/PodMonitor": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor", "PodMonitor", "IPodMonitor"],
  "monitoring.coreos.com/v1/PrometheusRule": ["@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule", "PrometheusRule", "IPrometheusRule"],
};

const problems = [];
const kustomization = YAML.parse(readFileSync(join(base, "kustomization.yaml"), "utf8"));
const listed = new Set(kustomization.resources);
const manifests = readdirSync(base).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml" && !f.endsWith(".example.yaml")).sort();
for (const file of listed) if (!manifests.includes(file)) problems.push(`kustomization.yaml lists ${file}, which does not exist`);
for (const file of manifests) if (!listed.has(file)) problems.push(`${file} is not listed in kustomization.yaml`);

// ConfigMaps from configMapGenerator (a hash of the content in the name, so a change rolls the pods): each env file
// exists and holds only comments and KEY=VALUE lines with names a container accepts.
const generatedConfigMaps = new Set();
for (const generator of kustomization.configMapGenerator ?? []) {
  generatedConfigMaps.add(generator.name);
  for (const file of generator.envs ?? []) {
    let text;
    try { text = readFileSync(join(base, file), "utf8"); } catch { problems.push(`configMapGenerator ${generator.name}: ${file} does not exist`); continue; }
    text.split("\n").forEach((line, i) => {
      if (line.trim() === "" || line.trimStart().startsWith("#")) return;
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*=/.test(line)) problems.push(`${file}:${i + 1}: not KEY=VALUE: ${line}`);
    });
  }
}

// Documents to check: the listed manifests and the example secret (its shape should be right too).
const files = [...manifests, ...readdirSync(base).filter((f) => f.endsWith(".example.yaml"))];
const typeChecks = [];
let checked = 0;
for (const file of files) {
  const documents = YAML.parseAllDocuments(readFileSync(join(base, file), "utf8"));
  for (const [index, document] of documents.entries()) {
    if (document.errors.length > 0) {
      problems.push(`${file}#${index}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const object = document.toJS();
    const key = `${object.apiVersion}/${object.kind}`;
    const model = models[key];
    const where = `${file} ${object.kind}/${object.metadata?.name}`;
    if (!model) {
      problems.push(`${where}: no model for ${key}`);
      continue;
    }
    const [modulePath, className, interfaceName] = model;
    const Model = (await import(modulePath))[className];
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${where}: schema: ${error.message}`);
    }
    typeChecks.push({ where, modulePath, interfaceName, object });
    checked++;
  }
}

// A Deployment that a KEDA ScaledObject scales must not set replicas: every apply would reset what KEDA chose.
const scaled = new Set(typeChecks.filter((c) => c.object.kind === "ScaledObject").map((c) => c.object.spec?.scaleTargetRef?.name));
for (const c of typeChecks.filter((c) => c.object.kind === "Deployment" && scaled.has(c.object.metadata?.name))) {
  if (c.object.spec?.replicas !== undefined) problems.push(`${c.where}: sets replicas, but a ScaledObject scales it (every apply would reset the count)`);
}

// Every ConfigMap a manifest reads (envFrom, env) is one the kustomization lists or generates.
const listedConfigMaps = new Set(typeChecks.filter((c) => c.object.kind === "ConfigMap").map((c) => c.object.metadata?.name));
for (const [, name] of JSON.stringify(typeChecks.map((c) => c.object)).matchAll(/"configMapRef":\{"name":"([^"]+)"/g)) {
  if (!listedConfigMaps.has(name) && !generatedConfigMaps.has(name)) problems.push(`a manifest reads the ConfigMap ${name}, which the kustomization neither lists nor generates`);
}

// The secret example must carry every key the manifests read from it.
const secretExample = typeChecks.find((c) => c.object.kind === "Secret");
const secretKeys = new Set(Object.keys(secretExample?.object.stringData ?? {}));
const readKeys = JSON.stringify(typeChecks.map((c) => c.object)).matchAll(/"name":"sluice-secrets","key":"([^"]+)"|"key":"([^"]+)","name":"sluice-secrets"/g);
for (const match of readKeys) {
  const key = match[1] ?? match[2];
  if (!secretKeys.has(key)) problems.push(`secret.example.yaml: no ${key}, which a manifest reads from sluice-secrets`);
}

// Grafana's types, read as JSON: a string enum's values are its strings (`${T}`), panel options and field config may
// leave out what Grafana fills with defaults, and an annotation may carry the Prometheus data source's own fields
// (Grafana's schema leaves annotations open to the data source; these are the ones its Prometheus editor writes).
const panelConfigs = { timeseries: ["TimeSeriesPanelCfg", true], stat: ["StatPanelCfg", false], table: ["TablePanelCfg", true] };
const grafanaPrelude = [
  `import type { Dashboard, AnnotationQuery } from "@grafana/schema";`,
  ...Object.entries(panelConfigs).map(([type, [module]]) => `import type * as ${type} from "@grafana/schema/dist/esm/raw/composable/${type}/panelcfg/x/${module}_types.gen";`),
  "type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;",
  "type Loose<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T : T extends readonly (infer U)[] ? Loose<U>[] : T extends object ? { [K in keyof T]?: Loose<T[K]> } : T;",
  "type PromAnnotation = Json<AnnotationQuery> & { expr?: string; step?: string; titleFormat?: string; textFormat?: string; tagKeys?: string; useValueForTime?: boolean };",
  "type GrafanaDashboard = Json<Omit<Dashboard, 'annotations'>> & { annotations?: { list?: PromAnnotation[] } };",
].join("\n");

function dashboardDeclarations(where, dashboard, first) {
  const out = [{ where, text: `export const d${first}: GrafanaDashboard = ${JSON.stringify(dashboard, null, 1)};` }];
  for (const panel of dashboard.panels ?? []) {
    const at = `${where} panel "${panel.title}"`;
    const config = panelConfigs[panel.type];
    if (!config) { problems.push(`${at}: no Grafana panel type ${panel.type} known to the validator`); continue; }
    const n = first + out.length;
    out.push({ where: `${at} options`, text: `export const d${n}: Loose<${panel.type}.Options> = ${JSON.stringify(panel.options ?? {}, null, 1)};` });
    if (config[1]) out.push({ where: `${at} fieldConfig.custom`, text: `export const d${n + 1}: Loose<${panel.type}.FieldConfig> = ${JSON.stringify(panel.fieldConfig?.defaults?.custom ?? {}, null, 1)};` });
  }
  return out;
}

// Unknown keys: one TypeScript file typing every document as its model's interface, and every dashboard as Grafana's.
const scratch = mkdtempSync(join(tmpdir(), "sluice-k8s-"));
const declarations = typeChecks.map((c, i) => ({
  where: c.where,
  text: `import type { ${c.interfaceName} as T${i} } from "${c.modulePath}";\nexport const d${i}: T${i} = ${JSON.stringify(c.object, null, 1)};`,
}));
for (const c of typeChecks.filter((c) => c.object.kind === "ConfigMap" && c.object.metadata?.labels?.grafana_dashboard)) {
  for (const [name, text] of Object.entries(c.object.data ?? {})) {
    let dashboard;
    try { dashboard = JSON.parse(text); } catch (error) { problems.push(`${c.where} ${name}: JSON: ${error.message}`); continue; }
    declarations.push(...dashboardDeclarations(`${c.where} ${name}`, dashboard, declarations.length));
  }
}
const source = [grafanaPrelude, ...declarations.map((d) => d.text)].join("\n");
const sourceFile = join(scratch, "manifests.ts");
writeFileSync(sourceFile, source);
const program = ts.createProgram([sourceFile], {
  noEmit: true, strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022, skipLibCheck: true, baseUrl: tools, typeRoots: [], types: [],
  paths: { "*": [join(tools, "node_modules", "*")] },
});
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  let where = "TypeScript";
  if (diagnostic.file && diagnostic.start !== undefined) {
    const offset = diagnostic.start;
    const owner = [...diagnostic.file.text.matchAll(/export const d(\d+)/g)].filter((m) => m.index <= offset).pop();
    where = owner ? declarations[Number(owner[1])].where : relative(scratch, diagnostic.file.fileName);
  }
  problems.push(`${where}: ${message}`);
}

for (const [file, text] of Object.entries(generated())) {
  if (readFileSync(join(base, file), "utf8") !== text) problems.push(`${file} is out of date: run node deploy/k8s/tools/generate.mjs`);
}

if (problems.length > 0) {
  console.log(problems.join("\n"));
  console.log(`${problems.length} problem(s) in ${checked} document(s)`);
  process.exit(1);
}
console.log(`${checked} documents in ${files.length} files: schemas valid (kubernetes-models), no unknown keys (TypeScript), dashboards typed as Grafana's (@grafana/schema), kustomization complete, generated files current`);
