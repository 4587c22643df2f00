export * from "./iam";
export * from "./kms-key";
export * from "./encrypted-bucket";
export * from "./managed-secret";
export * from "./monitoring";
export * from "./rotation-function";
