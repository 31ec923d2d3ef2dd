// A secretary's training ledger (their subtree only), filtered as on /branch/ledger, as a streamed .xlsx download; audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { ledgerExport, parseLedgerFilter } from "~/models/ledger.server.ts";
import { requireSecretaryScope } from "~/guards/auth.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const { user: me, scope } = await requireSecretaryScope(args);
  const filter = parseLedgerFilter(new URL(args.request.url).searchParams);
  return downloadResponse(await ledgerExport(args.context.db, filter, scope, { actorId: me.id, ip: args.context.clientIp, format: "xlsx" }));
}
