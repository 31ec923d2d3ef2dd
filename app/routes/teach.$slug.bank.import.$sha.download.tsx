// GET /teach/:slug/bank/import/:sha/download — the bank file with a confirmed import merged in, for a
// course kept in courses/ (the instructor commits it). Only for the user's own pending import; writes nothing.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { buildImport, getPendingImport } from "~/models/banks.server.ts";
import { requireCourseEditor } from "~/guards/auth.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const { user, course } = await requireCourseEditor(args, args.params.slug);
  const { db, storage, config } = args.context;
  const pending = await getPendingImport(db, { userId: user.id, slug: course.slug, sha256: args.params.sha ?? "" });
  if (!pending) throw new Response("找不到这次导入（已过期，或不是您上传的文件），请重新上传", { status: 404 });
  const q = new URL(args.request.url).searchParams;
  const built = await buildImport(db, storage, config, course, pending, {
    skipErrors: q.get("skipErrors") === "1",
    skipDuplicates: q.get("skipDuplicates") === "1",
  });
  if (!built.ok)
    throw new Response([built.message, ...(built.details ?? [])].join("\n"), { status: 409, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return downloadResponse({ filename: `${pending.bankKey}.md`, contentType: "text/markdown; charset=utf-8", body: built.markdown });
}
