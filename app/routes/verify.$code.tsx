// Public verification of a 结业证书 (no sign-in) by the code in its QR link or printed under it (any
// letter case): the code is 128 random bits, so certificates cannot be found by trying numbers.
// Shows a masked name and whether it was revoked.
import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { VerifyResult } from "~/components/VerifyResult.tsx";
import { verificationFields, verifyCertificate } from "~/models/certificates.server.ts";
import classesCss from "~/styles/classes.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction = () => [{ title: "证书验证 · 网上党校" }, { name: "robots", content: "noindex, nofollow" }];
export const headers: HeadersFunction = () => ({ "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });

export async function loader(args: LoaderFunctionArgs) {
  const cert = await verifyCertificate(args.context.db, args.params.code ?? "");
  if (!cert) throw new Response("证书不存在", { status: 404, headers: { "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store" } });
  return { schoolName: args.context.schoolName, cert: verificationFields(cert) };
}

export default function Verify() {
  const { schoolName, cert } = useLoaderData<typeof loader>();
  return (
    <div className="narrow stack verify">
      <h1>结业证书验证</h1>
      <VerifyResult c={cert} schoolName={schoolName} />
      <p className="small-print">
        <Link to="/verify">凭证书编号和姓名查验其他证书</Link>
      </p>
    </div>
  );
}
