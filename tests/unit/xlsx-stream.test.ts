// The streamed .xlsx writer read back by ExcelJS: header, types (numbers, dates, text, booleans), the
// frozen header row, widths and number formats, formula injection neutralized, XML-hostile text, and
// many batches producing one valid sheet.
import ExcelJS from "exceljs";
import { unzipSync, strFromU8 } from "fflate";
import { describe, expect, it } from "vitest";
import { columnLetter, escapeXml, excelSerial, sheetNameOf, xlsxStream } from "../../app/utils/xlsx-stream.server.ts";
import type { StreamColumn } from "../../app/utils/spreadsheet.server.ts";

async function* batchesOf(rows: unknown[][], size = 2) {
  for (let i = 0; i < rows.length; i += size) {
    await new Promise((r) => setImmediate(r));
    yield rows.slice(i, i + size);
  }
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function open(bytes: Uint8Array) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  return wb;
}

const COLUMNS: StreamColumn[] = [
  { header: "序号", width: 6 },
  { header: "姓名", width: 10 },
  { header: "成绩", width: 8, numFmt: "0.0" },
  { header: "完成率", width: 9, numFmt: "0.0%" },
  { header: "发证日期", width: 12, numFmt: "yyyy-mm-dd" },
  { header: "是否", width: 6 },
];

describe("xlsxStream", () => {
  it("writes real types, Chinese headers, a frozen bold header, widths and formats", async () => {
    const rows: unknown[][] = [
      [1, "张晓明", 86.5, 0.857, new Date(Date.UTC(2026, 10, 30)), true],
      [2, "李文静", 0, 1, null, false],
      [3, "  前后空格 ", 59.94, null, new Date(Date.UTC(2027, 0, 1)), null],
    ];
    const wb = await open(await bytesOf(xlsxStream("培训台账", COLUMNS, batchesOf(rows))));
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe("培训台账");
    expect(ws.getRow(1).values).toEqual([undefined, "序号", "姓名", "成绩", "完成率", "发证日期", "是否"]);
    expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(ws.getColumn(2).width).toBe(10);
    expect(ws.rowCount).toBe(4);
    const r2 = ws.getRow(2);
    expect(r2.getCell(1).value).toBe(1);
    expect(r2.getCell(2).value).toBe("张晓明");
    expect(r2.getCell(3).value).toBe(86.5);
    expect(r2.getCell(3).numFmt).toBe("0.0");
    expect(r2.getCell(4).value).toBe(0.857);
    expect(r2.getCell(4).numFmt).toBe("0.0%");
    const date = r2.getCell(5).value;
    expect(date).toBeInstanceOf(Date);
    expect((date as Date).toISOString().slice(0, 10)).toBe("2026-11-30");
    expect(r2.getCell(5).numFmt).toBe("yyyy-mm-dd");
    expect(r2.getCell(6).value).toBe(true);
    expect(ws.getRow(3).getCell(5).value).toBeNull();
    expect(ws.getRow(3).getCell(6).value).toBe(false);
    expect(ws.getRow(4).getCell(2).value).toBe("  前后空格 ");
    expect(ws.getRow(4).getCell(3).value).toBe(59.94);
    expect(ws.autoFilter).toBe("A1:F4");
  });

  it("neutralizes formula injection and keeps XML-hostile text as text", async () => {
    const hostile = ['=HYPERLINK("http://evil.example","点我")', "+1", "-1+1", "@SUM(A1)", "\tx", "\rcr", "<b>&amp;</b>", 'a"b', "控制\u0001字符"];
    const rows = hostile.map((h, i) => [i + 1, h, null, null, null, null]);
    const bytes = await bytesOf(xlsxStream("x", COLUMNS, batchesOf(rows, 4)));
    const ws = (await open(bytes)).worksheets[0]!;
    const got = hostile.map((_, i) => ws.getRow(i + 2).getCell(2).value);
    expect(got.slice(0, 6)).toEqual(['\'=HYPERLINK("http://evil.example","点我")', "'+1", "'-1+1", "'@SUM(A1)", "'\tx", "'\rcr"]);
    expect(got.slice(6)).toEqual(["<b>&amp;</b>", 'a"b', "控制字符"]);
    // No formula element anywhere: every text cell is an inline string.
    const xml = strFromU8(unzipSync(bytes)["xl/worksheets/sheet1.xml"]!);
    expect(xml).not.toContain("<f>");
    expect(xml).toContain('t="inlineStr"');
  });

  it("streams thousands of rows in batches into one valid sheet with headers only when empty", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => [i + 1, `学员${i}`, i % 101, i / 5000, new Date(Date.UTC(2026, 0, 1 + (i % 365))), i % 2 === 0]);
    const wb = await open(await bytesOf(xlsxStream("大表", COLUMNS, batchesOf(rows, 1000))));
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(5001);
    expect(ws.getRow(5001).getCell(1).value).toBe(5000);
    expect(ws.getRow(5001).getCell(2).value).toBe("学员4999");
    const empty = (await open(await bytesOf(xlsxStream("空", COLUMNS, batchesOf([]))))).worksheets[0]!;
    expect(empty.rowCount).toBe(1);
    expect(empty.getRow(1).getCell(1).value).toBe("序号");
  });

  it("has helpers that match Excel's conventions", () => {
    expect([0, 25, 26, 27, 51, 52, 701, 702].map(columnLetter)).toEqual(["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    expect(excelSerial(new Date(Date.UTC(1900, 0, 1)))).toBe(2);
    expect(excelSerial(new Date(Date.UTC(2026, 0, 1)))).toBe(46023);
    expect(escapeXml('<a href="x">&</a>\u0000')).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    expect(sheetNameOf("培训班[2026]/第1期: 成绩?")).toBe("培训班 2026  第1期  成绩");
    expect(sheetNameOf("")).toBe("Sheet1");
  });
});
