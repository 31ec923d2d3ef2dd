import type { LoaderFunctionArgs } from "@remix-run/node";
import { getReportFileForViewer } from "~/models/branch-reports.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { serveFile } from "~/utils/files.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { mimeOfExtension } from "~/utils/mime.ts";

/** A 思想汇报 attachment, to whoever may read the report (its author, their 培养联系人, the secretary, admins); always a download. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const file = id.success ? await getReportFileForViewer(args.context.db, id.data, user) : null;
  if (!file) throw new Response("文件不存在", { status: 404 });
  return serveFile(args.request, args.context.storage.pathOf(file.sha256), {
    contentType: mimeOfExtension(file.type),
    downloadName: file.name,
    cacheControl: "private, no-cache",
  });
}
