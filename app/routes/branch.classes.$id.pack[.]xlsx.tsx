import type { LoaderFunctionArgs } from "@remix-run/node";
import { branchPackWorkbook, packClass } from "~/models/branch-pack.server.ts";
import { requireGovernedScope } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { xlsxDownload } from "~/utils/spreadsheet.server.ts";
import { safeSegment } from "~/utils/uploads.server.ts";

/** The dossier sheet of a class for the secretary's subtree; audited as an export of personal data. */
export async function loader(args: LoaderFunctionArgs) {
  const { user: me, path } = await requireGovernedScope(args);
  const { db } = args.context;
  const id = idParam.safeParse(args.params.id);
  const cls = id.success ? await packClass(db, id.data, path) : undefined;
  if (!cls) throw new Response("培训班不存在", { status: 404 });
  const wb = await branchPackWorkbook(db, cls.id, path, { actorId: me.id, ip: args.context.clientIp });
  return downloadResponse(await xlsxDownload(wb, `${safeSegment(`${cls.name}-第${cls.term}期-支部汇总`)}.xlsx`));
}
