import { imageRefProblem } from "../../../common/validation";
import { Rule } from "../../rule";
import { containerFinding } from "./roles";

export const UnpinnedImages: Rule = {
  id: "ZT-CTR-005",
  level: "error",
  appliesTo: "docker_",
  cause: "A container image is not pinned to an exact version or digest",
  explanation:
    "Floating tags (latest, stable, a bare major such as postgres:17) change what runs on the next pull without any change in " +
    "the plan a reviewer approved. Pin an exact release tag or a digest (name@sha256:...).",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const problem = c.image.includes("${") ? `image ${c.image} is an expression the plan does not resolve` : imageRefProblem(c.image);
      return problem ? [containerFinding(c, `${c.name}: ${problem}`)] : [];
    }),
};
