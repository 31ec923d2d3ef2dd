// One class's results sheet (the ledger's columns for the class) for those who may open the class:
// admins and the class's instructors every row, secretaries their subtree's rows. Streamed; audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { classScopeFor, getClassRow } from "~/models/classes.server.ts";
import { classResultsExport } from "~/models/ledger.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "admin", "instructor", "secretary");
  const id = idParam.safeParse(args.params.id);
  const cls = id.success ? await getClassRow(args.context.db, id.data) : undefined;
  const scope = cls && (await classScopeFor(args.context.db, cls.id, me));
  if (!cls || !scope) throw new Response("培训班不存在", { status: 404 });
  const sheet = await classResultsExport(
    args.context.db,
    cls,
    { unitPath: scope.kind === "subtree" ? scope.unitPath : null },
    { actorId: me.id, ip: args.context.clientIp, format: "xlsx" },
  );
  return downloadResponse(sheet);
}
