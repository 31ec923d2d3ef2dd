// POST /admin/classes/:id/settings: the class's name, dates and completion rules (organization
// department); each refused field is named.
import type { ActionFunctionArgs } from "@remix-run/node";
import { ClassRouteView } from "~/components/ClassPage.tsx";
import { classAction } from "~/guards/class-access.server.ts";
import { ClassFieldsSchema, updateClassSettings } from "~/models/classes.server.ts";
import { ClassRulesSchema } from "~/utils/class-rules.ts";
import { fail } from "~/utils/form-result.server.ts";
import { parseForm } from "~/utils/forms.server.ts";

const num = (v: FormDataEntryValue | null) => (typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN);
const on = (form: FormData, name: string) => form.get(name) === "on";

/** The form field that holds each part of the rules (a rule about several fields goes to the first). */
const RULE_FIELDS: Record<string, string> = {
  "weights.exam": "wExam",
  "weights.assignment": "wAssignment",
  "weights.usual": "wUsual",
  weights: "wExam",
  "bands.excellent": "bandExcellent",
  "bands.good": "bandGood",
  "bands.pass": "bandPass",
  bands: "bandExcellent",
};

/** The rules part of the settings form, nested and checked by the rules schema. */
function rulesFromForm(form: FormData) {
  return ClassRulesSchema.safeParse({
    requiredHours: num(form.get("requiredHours")),
    requireAllLessons: on(form, "requireAllLessons"),
    weights: { exam: num(form.get("wExam")), assignment: num(form.get("wAssignment")), usual: num(form.get("wUsual")) },
    usualSource: form.get("usualSource"),
    passLine: num(form.get("passLine")),
    bands: { excellent: num(form.get("bandExcellent")), good: num(form.get("bandGood")), pass: num(form.get("bandPass")) },
    gates: { examPassed: on(form, "gateExam"), assignmentsPassed: on(form, "gateAssignments"), noCheating: on(form, "gateCheating") },
  });
}

export const action = (args: ActionFunctionArgs) =>
  classAction(args, "edit", async ({ cls, actor }) => {
    const form = await args.request.formData();
    const fields = parseForm(form, ClassFieldsSchema);
    const rules = rulesFromForm(form);
    if (!fields.ok || !rules.success) {
      const errors: Record<string, string> = fields.ok ? {} : { ...fields.errors };
      for (const issue of rules.success ? [] : rules.error.issues) {
        const path = issue.path.join(".");
        errors[RULE_FIELDS[path] ?? path] ??= issue.message;
      }
      return fail(Object.values(errors)[0] ?? "结业条件有误", errors);
    }
    const finalExam = String(form.get("finalExamId") ?? "");
    await updateClassSettings(
      args.context.db,
      cls.id,
      { ...fields.data, rules: rules.data, numberFormat: String(form.get("numberFormat") ?? "").trim(), finalExamId: finalExam ? Number(finalExam) : null },
      actor,
    );
    return { ok: true as const, message: "设置已保存" };
  });

export default ClassRouteView;
