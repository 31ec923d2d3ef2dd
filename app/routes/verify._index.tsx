// Public lookup of a 结业证书 by its number and the holder's full name (as printed on the paper), or by
// the verification code printed under the QR code. A miss says the same whatever was wrong, and an
// address that misses too often waits (counters in the database), so numbers cannot be walked.
import { redirect, type ActionFunctionArgs, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { VerifyResult } from "~/components/VerifyResult.tsx";
import { CODE_PATTERN, lookupCertificate, verificationFields, verifyPath } from "~/models/certificates.server.ts";
import classesCss from "~/styles/classes.css?url";
import { recordVerifyMiss, verifyLockedFor } from "~/models/throttle.server.ts";
import { fail } from "~/utils/form-result.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction = () => [{ title: "证书查验 · 网上党校" }, { name: "robots", content: "noindex, nofollow" }];
export const headers: HeadersFunction = () => ({ "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });

export function loader(args: LoaderFunctionArgs) {
  return { schoolName: args.context.schoolName };
}

const field = (form: FormData, name: string) => String(form.get(name) ?? "").slice(0, 80);

export async function action(args: ActionFunctionArgs) {
  const { db, clientIp } = args.context;
  const wait = await verifyLockedFor(db, clientIp);
  if (wait > 0) return fail(`查询过于频繁，请 ${Math.ceil(wait / 60)} 分钟后再试`, {}, 429);
  const form = await args.request.formData();
  const code = field(form, "code").replace(/[\s-]/g, "").toLowerCase();
  if (code) {
    if (CODE_PATTERN.test(code)) return redirect(verifyPath(code));
    await recordVerifyMiss(db, clientIp);
    const message = "验证码应为 26 位字母和数字，请核对证书二维码下方的验证码";
    return fail(message, { code: message });
  }
  const number = field(form, "number");
  const name = field(form, "name");
  if (!number.trim() || !name.trim()) {
    const message = "请填写证书编号和持证人姓名";
    return fail(message, { ...(number.trim() ? {} : { number: message }), ...(name.trim() ? {} : { name: message }) });
  }
  const cert = await lookupCertificate(db, { number, name });
  if (!cert) {
    await recordVerifyMiss(db, clientIp);
    // Both fields marked alike: a miss never says which of the two was wrong (the sentence once, above the form).
    return fail("没有找到编号与姓名相符的证书，请核对后再试", { number: "请核对证书编号", name: "请核对持证人姓名" }, 404);
  }
  return { ok: true as const, cert: verificationFields(cert) };
}

export default function VerifyLookup() {
  const { schoolName } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <div className="narrow stack verify">
      <h1>结业证书查验</h1>
      <FormAlert result={result} />
      {result?.ok ? <VerifyResult c={result.cert} schoolName={schoolName} /> : null}
      <Form method="post" className="card form">
        <label>
          证书编号
          <input {...fieldProps(result, "lookup", "number")} maxLength={60} placeholder="如 DXU-2026-12-0001" autoComplete="off" />
          <FieldError result={result} form="lookup" name="number" />
        </label>
        <label>
          持证人姓名（全名）
          <input {...fieldProps(result, "lookup", "name")} maxLength={40} autoComplete="off" />
          <FieldError result={result} form="lookup" name="name" />
        </label>
        <button type="submit" className="btn primary" disabled={busy}>
          查验
        </button>
      </Form>
      <Form method="post" className="card form">
        <label>
          或输入证书二维码下方的验证码
          <input {...fieldProps(result, "code", "code")} maxLength={40} autoComplete="off" spellCheck={false} />
          <FieldError result={result} form="code" name="code" />
        </label>
        <button type="submit" className="btn" disabled={busy}>
          查验
        </button>
      </Form>
      <p className="muted small-print">仅显示部分隐去的姓名、培训班、学时、考核结果和证书状态。</p>
    </div>
  );
}
