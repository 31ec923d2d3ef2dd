import type { LoaderFunctionArgs } from "@remix-run/node";
import { NoticeError, noticeFileFor } from "~/models/notices.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { serveFile } from "~/utils/files.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { orStatus } from "~/utils/status-errors.server.ts";
import { mimeOfExtension } from "~/utils/mime.ts";

/** A notice's attachment, to its recipients and managers only, always as a download. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const fileId = idParam.safeParse(args.params.fileId);
  if (!id.success || !fileId.success) throw new Response("文件不存在", { status: 404 });
  const file = await orStatus(noticeFileFor(args.context.db, id.data, fileId.data, user), NoticeError);
  if (!file) throw new Response("文件不存在", { status: 404 });
  return serveFile(args.request, args.context.storage.pathOf(file.sha256), {
    contentType: mimeOfExtension(file.type),
    downloadName: file.name,
    cacheControl: "private, no-cache",
  });
}
