import { z } from "zod";
import { ROLES, STAGES } from "../../db/types.ts";
import { idParam, optionalText, text } from "./forms.server.ts";

/** The fields an admin edits on a user, shared by the create and edit pages. */
export const UserFields = z.object({
  name: text("姓名", 40),
  gender: z.enum(["男", "女"], { errorMap: () => ({ message: "请选择性别" }) }),
  orgUnitId: idParam.refine(Boolean, "请选择所属组织"),
  stage: z.enum(STAGES, { errorMap: () => ({ message: "请选择发展阶段" }) }),
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
