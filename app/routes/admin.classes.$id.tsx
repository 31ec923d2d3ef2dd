// One training class: its trainees' standing (学时, required lessons, exam and assignment results,
// composite, band, blockers) for admins, the class's instructors and secretaries (their subtree);
// settings, courses, enrollment and certificates for the organization department; 平时 and cheating
// marks for the instructors. This layout loads the page; the page itself is rendered by the index
// route and, after a form is sent, by the child route that took it (one action per concern:
// settings, courses, enroll, members, grades, certificates), so the answer shows on the same page
// with or without JavaScript.
import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Outlet } from "@remix-run/react";
import { requireClassAccess } from "~/guards/class-access.server.ts";
import { certificatesOfClass, certificateTemplate } from "~/models/certificates.server.ts";
import { carryOverCandidates, classCourses, classResults, classStatus, searchEnrollable } from "~/models/classes.server.ts";
import { listCoursesForStaff } from "~/models/courses.server.ts";
import { memberTable, parseMemberQuery } from "~/models/member-table.server.ts";
import { listOrgUnits, withLabels } from "~/models/org.server.ts";
import classesCss from "~/styles/classes.css?url";
import { glyphWarnings } from "~/utils/certificate-pdf.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.cls.name ?? "培训班"} · 网上党校` }];

export async function loader(args: LoaderFunctionArgs) {
  const { me, cls, scope } = await requireClassAccess(args);
  const { db } = args.context;
  const params = new URL(args.request.url).searchParams;
  const q = (params.get("q") ?? "").trim().slice(0, 40);
  const [rows, courses] = await Promise.all([classResults(db, cls, scope.kind === "subtree" ? { unitPath: scope.unitPath } : {}), classCourses(db, cls.id)]);
  const table = await memberTable(db, cls.id, rows, parseMemberQuery(params));
  const offeredHours = courses.reduce((n, c) => n + c.hours, 0);
  const admin = scope.canEdit
    ? {
        allCourses: (await listCoursesForStaff(db, me)).map((c) => ({ id: c.id, title: c.title, slug: c.slug, published: c.published })),
        units: withLabels(await listOrgUnits(db)),
        found: q ? await searchEnrollable(db, cls.id, q) : [],
        carry: await carryOverCandidates(db, cls.id),
        certificates: (await certificatesOfClass(db, cls.id)).map((c) => ({
          id: c.id,
          number: c.number,
          name: c.holder_name,
          username: c.holder_username,
          issuedAt: c.issued_at,
          revokedAt: c.revoked_at,
          revokeReason: c.revoke_reason,
        })),
        warnings: [...glyphWarnings({ 培训班名称: cls.name }), ...rows.flatMap((r) => glyphWarnings({ [`${r.username} 的姓名`]: r.name }))],
        template: await certificateTemplate(db, cls.kind),
      }
    : null;
  return {
    cls: {
      id: cls.id,
      name: cls.name,
      kind: cls.kind,
      term: cls.term,
      hostUnitId: cls.host_unit_id,
      hostUnit: cls.host_unit_name,
      startDate: cls.start_date,
      endDate: cls.end_date,
      rules: cls.rules,
      numberFormat: cls.number_format,
      finalExamId: cls.final_exam_id,
      status: classStatus(cls),
      completedAt: cls.completed_at,
    },
    scope: { kind: scope.kind, canEdit: scope.canEdit, canGrade: scope.canGrade },
    courses,
    members: table.members,
    table: { ...table, members: undefined },
    completed: rows.filter((r) => r.result.passed).length,
    hoursWarning:
      courses.length && offeredHours < cls.rules.requiredHours
        ? `应修学时为 ${cls.rules.requiredHours}，而本班课程合计只有 ${offeredHours} 学时：学员无法仅靠课程达到，请调整应修学时或增加课程`
        : null,
    admin,
    q,
  };
}

export default function ClassLayout() {
  return <Outlet />;
}
