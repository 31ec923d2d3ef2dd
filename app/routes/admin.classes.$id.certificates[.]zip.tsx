import type { LoaderFunctionArgs } from "@remix-run/node";
import { classCertificatesZip, publicOrigin } from "~/models/certificates.server.ts";
import { getClassRow } from "~/models/classes.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

/**
 * Every valid certificate of a class as one zip of 学号-姓名.pdf, rendered while it streams.
 * Admins only; audited as an export of personal data.
 */
export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "admin");
  const id = idParam.safeParse(args.params.id);
  const cls = id.success ? await getClassRow(args.context.db, id.data) : undefined;
  if (!cls) throw new Response("培训班不存在", { status: 404 });
  const { stream } = await classCertificatesZip(
    args.context.db,
    cls.id,
    { schoolName: args.context.schoolName, origin: publicOrigin(args.request, args.context.config.origin), sealPath: args.context.config.sealPath },
    { actorId: me.id, ip: args.context.clientIp },
  );
  const name = `${cls.name}-结业证书.zip`.replace(/[/\\:*?"<>|\u0000-\u001f]/g, "_");
  return downloadResponse({ filename: name, contentType: "application/zip", body: stream });
}
