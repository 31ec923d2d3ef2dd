import type { LoaderFunctionArgs } from "@remix-run/node";
import { audit } from "~/models/audit.server.ts";
import { NoticeError, readReport } from "~/models/notices.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { cstDateTimeText } from "~/utils/cst.ts";
import { idParam } from "~/utils/forms.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { XLSX_TYPE } from "~/utils/spreadsheet.server.ts";
import { xlsxStream } from "~/utils/xlsx-stream.server.ts";
import { orStatus } from "~/utils/status-errors.server.ts";

/** Who has and has not read a notice, as .xlsx (cells neutralized against formulas); the export is audited. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "admin", "secretary");
  const id = idParam.safeParse(args.params.id);
  if (!id.success) throw new Response("通知不存在", { status: 404 });
  const r = await orStatus(readReport(args.context.db, id.data, user), NoticeError);
  await audit(args.context.db, {
    actorId: user.id,
    action: "notice.reads_export",
    targetType: "notice",
    targetId: id.data,
    detail: { rows: r.people.length },
    ip: args.context.clientIp,
  });
  const columns = [
    { header: "序号", width: 6 },
    { header: "学号/工号", width: 14 },
    { header: "姓名", width: 12 },
    { header: "组织", width: 40 },
    { header: "发展阶段", width: 12 },
    { header: "阅读时间", width: 20 },
    { header: "确认时间", width: 20 },
    { header: "状态", width: 10 },
  ];
  const ack = r.notice.requires_ack === 1;
  const rows = r.people.map((p, i) => [
    i + 1,
    p.username,
    p.name,
    p.unit,
    p.stageLabel,
    p.read_at ? cstDateTimeText(p.read_at) : "",
    p.acked_at ? cstDateTimeText(p.acked_at) : "",
    ack ? (p.acked_at ? "已确认" : p.read_at ? "已读未确认" : "未读") : p.read_at ? "已读" : "未读",
  ]);
  async function* batches() {
    for (let i = 0; i < rows.length; i += 1000) yield rows.slice(i, i + 1000);
  }
  return downloadResponse({ filename: `通知阅读情况-${id.data}.xlsx`, contentType: XLSX_TYPE, body: xlsxStream("阅读情况", columns, batches()) });
}
