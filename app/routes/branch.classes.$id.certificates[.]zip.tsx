import type { LoaderFunctionArgs } from "@remix-run/node";
import { packClass } from "~/models/branch-pack.server.ts";
import { classCertificatesZip, publicOrigin } from "~/models/certificates.server.ts";
import { requireGovernedScope } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { safeSegment } from "~/utils/uploads.server.ts";

/** The valid certificates of a class's members in the secretary's subtree, as one zip (audited). */
export async function loader(args: LoaderFunctionArgs) {
  const { user: me, path } = await requireGovernedScope(args);
  const { db } = args.context;
  const id = idParam.safeParse(args.params.id);
  const cls = id.success ? await packClass(db, id.data, path) : undefined;
  if (!cls) throw new Response("培训班不存在", { status: 404 });
  const { stream } = await classCertificatesZip(
    db,
    cls.id,
    {
      schoolName: args.context.schoolName,
      origin: publicOrigin(args.request, args.context.config.origin),
      sealPath: args.context.config.sealPath,
      unitPath: path,
    },
    { actorId: me.id, ip: args.context.clientIp },
  );
  return downloadResponse({ filename: `${safeSegment(`${cls.name}-本单位结业证书`)}.zip`, contentType: "application/zip", body: stream });
}
