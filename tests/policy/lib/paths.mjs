import path from "node:path";
import { fileURLToPath } from "node:url";

export const POLICY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = path.resolve(POLICY_DIR, "../..");
export const TERRAFORM = path.join(REPO, "deploy/terraform");
export const ENV_ROOTS = [path.join(TERRAFORM, "envs/prod")];
export const FIXTURES = path.join(POLICY_DIR, "fixtures");
export const PROMETHEUS = path.join(REPO, "deploy/prometheus");
export const GRAFANA = path.join(REPO, "deploy/grafana");
export const CATALOGUE = path.join(REPO, "deploy/metrics-catalogue.txt");
