// The offline terraform runner lives with the scripts (npm run plan uses it too).
export * from "../../scripts/lib/terraform";
