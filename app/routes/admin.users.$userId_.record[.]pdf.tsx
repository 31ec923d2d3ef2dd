// A trainee's training record as a .pdf download: for admins, and secretaries of the trainee's subtree (404 otherwise); audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { recordDownload } from "~/models/record.server.ts";
import { requireRecordSubject } from "~/guards/record.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { requireRole } from "~/guards/auth.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "admin", "secretary");
  const subject = await requireRecordSubject(args.context.db, args.params.userId, me);
  const file = await recordDownload(args.context.db, subject, {
    actorId: me.id,
    ip: args.context.clientIp,
    format: "pdf",
    schoolName: args.context.schoolName,
    forTrainee: false,
  });
  return downloadResponse(file);
}
