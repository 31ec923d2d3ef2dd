import { z } from "zod";
import { ROLES, STAGES } from "../../db/types.ts";
import { idParam, optionalText, text } from "./forms.server.ts";

/**
 * A person's name as it is printed on certificates and ledgers: spaces folded (none between Chinese
 * characters, one between Latin words), and only what names are made of — Chinese characters, letters
 * (and digits, which generated rosters use), the middle dot of minority and foreign names (·), apostrophes and hyphens. A formula (=HYPERLINK…)
 * or a link is not a name.
 */
const personName = text("姓名", 40)
  .transform((v) =>
    v
      .normalize("NFKC")
      .replace(/\s+/g, " ")
      .replace(/(?<=[\u3400-\u9fff\u{20000}-\u{3134f}·]) (?=[\u3400-\u9fff\u{20000}-\u{3134f}·])/gu, "")
      .replace(/\s*·\s*/g, "·")
      .trim(),
  )
  .refine((v) => !/^[=+\-@]/.test(v) && !/:\/\/|www\./i.test(v), "姓名不能是公式或网址")
  .refine((v) => /^[\p{Script=Han}\p{L}\p{N}·'\- ]+$/u.test(v), "姓名只能包含汉字、字母、数字、间隔号（·）、撇号和连字符");

/** The fields an admin edits on a user, shared by the create and edit pages. */
export const UserFields = z.object({
  name: personName,
  gender: z.enum(["男", "女"], { errorMap: () => ({ message: "请选择性别" }) }),
  orgUnitId: idParam.refine(Boolean, "请选择所属组织"),
  stage: z.enum(STAGES, { errorMap: () => ({ message: "请选择发展阶段" }) }),
  /** The day the branch decided the stage ("" when empty): a change of stage is recorded as a dated stage event. */
  stageDecidedOn: z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().max(10, "日期格式不正确（YYYY-MM-DD）")),
  roles: z.preprocess(
    (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
    z.array(z.enum(ROLES, { errorMap: () => ({ message: "角色无效" }) })).min(1, "至少选择一个角色"),
  ),
  phone: optionalText("手机号", 20).refine((v) => v === undefined || /^[0-9+\- ]{5,20}$/.test(v), "手机号格式不正确"),
  email: optionalText("邮箱", 100).refine((v) => v === undefined || z.string().email().safeParse(v).success, "邮箱格式不正确"),
});

export const NewUserFields = UserFields.extend({
  username: text("学号/工号", 32).refine((v) => /^[A-Za-z0-9_-]+$/.test(v), "学号/工号只能包含字母、数字、下划线和短横线"),
});
