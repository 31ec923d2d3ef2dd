// The guard of one training class's page and of each of its actions (/admin/classes/:id/…).
import type { AppContext } from "~/load-context.ts";
import { ClassError, classScopeFor, getClassRow } from "~/models/classes.server.ts";
import { requireRole } from "./auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { fail } from "~/utils/form-result.server.ts";

type Args = { request: Request; context: AppContext; params: Record<string, string | undefined> };

/**
 * The class and what this viewer may do with it: 404 for a class they may not see (admins, the class's
 * instructors, secretaries for the trainees of their subtree); with `need`, 403 unless they may edit
 * (the organization department) or grade (admins and the class's instructors).
 */
export async function requireClassAccess(args: Args, need?: "edit" | "grade") {
  const me = await requireRole(args, "admin", "instructor", "secretary");
  const id = idParam.safeParse(args.params.id);
  const cls = id.success ? await getClassRow(args.context.db, id.data) : undefined;
  const scope = cls && (await classScopeFor(args.context.db, cls.id, me));
  if (!cls || !scope) throw new Response("培训班不存在", { status: 404 });
  if ((need === "edit" && !scope.canEdit) || (need === "grade" && !scope.canGrade)) throw new Response("您没有权限进行此操作", { status: 403 });
  return { me, cls, scope, actor: { actorId: me.id, ip: args.context.clientIp } };
}

type Access = Awaited<ReturnType<typeof requireClassAccess>>;

/**
 * One action on a class: the guard first, then `run`; a refusal of the class rules (ClassError) comes
 * back as the shared form failure with its status.
 */
export async function classAction<T>(args: Args, need: "edit" | "grade", run: (access: Access) => Promise<T>) {
  const access = await requireClassAccess(args, need);
  try {
    return await run(access);
  } catch (e) {
    if (e instanceof ClassError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
}
