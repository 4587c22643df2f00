import { imageRefProblem } from "../../../common/validation";
import { Rule } from "../../rule";

export const UnpinnedImages: Rule = {
  id: "ZT-CTR-004",
  level: "error",
  cause: "A container image is not pinned to an exact version or digest",
  explanation: "Floating tags (latest, stable, a bare major) change what runs on the next pull without a change in the plan. Pin an exact release tag or a digest.",
  evaluate: (ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const problem = c.image.startsWith("${") ? "image is not a literal reference" : imageRefProblem(c.image);
      return problem ? [{ resource: c.address, path: c.path, detail: `${c.name}: ${problem}` }] : [];
    }),
};
