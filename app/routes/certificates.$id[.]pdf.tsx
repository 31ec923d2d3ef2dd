import type { LoaderFunctionArgs } from "@remix-run/node";
import { audit } from "~/models/audit.server.ts";
import { certificateFileName, certificateForViewer, certificatePdf, publicOrigin } from "~/models/certificates.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

/**
 * One certificate as a PDF, rendered on demand: for its holder, admins, and secretaries of the
 * holder's subtree. Anyone else gets the same 404 as for a certificate that does not exist.
 */
export async function loader(args: LoaderFunctionArgs) {
  const me = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const cert = id.success ? await certificateForViewer(args.context.db, id.data, me) : undefined;
  if (!cert) throw new Response("证书不存在", { status: 404 });
  if (cert.user_id !== me.id) {
    await audit(args.context.db, {
      actorId: me.id,
      action: "certificate.download",
      targetType: "certificate",
      targetId: cert.id,
      detail: { userId: cert.user_id },
      ip: args.context.clientIp,
    });
  }
  const { bytes } = await certificatePdf(cert, {
    schoolName: args.context.schoolName,
    origin: publicOrigin(args.request, args.context.config.origin),
    sealPath: args.context.config.sealPath,
  });
  return downloadResponse({ filename: certificateFileName(cert), contentType: "application/pdf", body: new Uint8Array(bytes) });
}
