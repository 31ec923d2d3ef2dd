// The signed-in trainee's own training record as a one-page PDF (scores not yet released are left out).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { recordDownload } from "~/models/record.server.ts";
import { requireRecordSubject } from "~/guards/record.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { requireUser } from "~/guards/auth.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireUser(args);
  const subject = await requireRecordSubject(args.context.db, String(me.id), me);
  const file = await recordDownload(args.context.db, subject, {
    actorId: me.id,
    ip: args.context.clientIp,
    format: "pdf",
    schoolName: args.context.schoolName,
    forTrainee: true,
  });
  return downloadResponse(file);
}
