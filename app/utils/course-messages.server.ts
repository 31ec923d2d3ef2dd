// The Chinese messages of the course format, the course sync and the imports that go through the
// course parser: one catalogue, so that every message an instructor reads is in the same words. A
// field is named by its Chinese term with the YAML key the author types in brackets: 学时（hours）.

const TERM: Record<string, string> = {
  title: "标题",
  audience: "适用对象",
  summary: "简介",
  hours: "学时",
  offline_hours: "线下学时",
  instructors: "授课教师",
  cover: "封面",
  published: "发布",
  progress: "进度规则",
  lock_seek: "禁止拖动",
  lock_rate: "禁止倍速",
  presence_check: "在线确认",
  chapter: "章节",
  order: "顺序",
  required: "必修",
  video: "视频",
  captions: "字幕",
  complete: "完成条件",
  read_minutes: "阅读时长",
  watch_percent: "观看比例",
  kind: "作业类型",
  due: "截止时间",
  cutoff: "最终截止时间",
  max_score: "满分",
  pass_score: "及格分",
  min_length: "最少字数",
  attachments: "附件类型",
  max_attachment_mb: "附件大小上限",
  resubmit: "允许重交",
  bank: "题库",
  banks: "题库",
  duration_minutes: "考试时长",
  attempts: "考试次数",
  counts: "计分方式",
  opens: "开放时间",
  closes: "关闭时间",
  shuffle_questions: "题目乱序",
  shuffle_options: "选项乱序",
  show_results: "成绩公布",
  multi_scoring: "多选计分",
  grace_seconds: "宽限时间",
  draw: "抽题规则",
  type: "题型",
  count: "题数",
  score: "分值",
  difficulty: "难度",
  knowledge: "知识点",
};

/** `学时（hours）`: how a front matter field is named in messages. */
export const term = (key: string) => (TERM[key] ? `${TERM[key]}（${key}）` : `字段 ${key}`);

const list = (items: readonly string[]) => items.join("、");

/** What a number must be (the `expect` of a number rule). */
export const EXPECT = {
  positive: "大于 0 的数",
  nonNegative: "大于或等于 0 的数",
  whole: "大于或等于 0 的整数",
  intIn: (min: number, max: number) => `${min} 到 ${max} 之间的整数`,
  range: (above: number, max: number) => `大于 ${above} 且不超过 ${max} 的数`,
};

/** YAML syntax faults by the library's error code; anything else gets the generic sentence. */
const YAML_CODES: Record<string, string> = {
  BAD_INDENT: "缩进不对，或方括号 [ ]、花括号 { } 没有闭合",
  MISSING_CHAR: "缺少结束的引号或括号",
  DUPLICATE_KEY: "同一个字段写了两次",
  TAB_AS_INDENT: "不能用 Tab 缩进，请用空格",
  BLOCK_AS_IMPLICIT_KEY: "一行里不能有两个“键: 值”（值中含有冒号时请加引号）",
  MULTILINE_IMPLICIT_KEY: "字段名必须写在一行内（值中含有冒号时请加引号）",
  BAD_SCALAR_START: "值不能以 @ 或 ` 开头（请加引号）",
  UNEXPECTED_TOKEN: "无法识别的内容（值中含有 : # 等符号时请加引号）",
  BAD_DQ_ESCAPE: "双引号中的转义字符无效",
  BAD_ALIAS: "别名（*）无效",
  MULTIPLE_DOCS: "文件头中只能有一段 YAML",
  RESOURCE_EXHAUSTION: "别名展开后过大",
};

export const MSG = {
  // files and layout
  encoding: "文件编码必须是 UTF-8（请用 UTF-8 另存）",
  frontMatterStart: "文件头必须以一行 --- 开始",
  frontMatterClose: "文件头缺少结束的 --- 行",
  frontMatterShape: "文件头必须是“字段: 值”形式的若干行",
  yaml: (code: string) => `文件头 YAML 格式错误：${YAML_CODES[code] ?? "语法错误"}`,
  slug: (slug: string) => `课程文件夹名「${slug}」无效：只能用小写字母、数字和 -`,
  layout: (isDir: boolean) => `课程文件夹中不应有这个${isDir ? "文件夹" : "文件"}：只能有 course.md、lessons/、assignments/、bank/、exams/、media/`,
  courseMdMissing: "缺少课程说明文件 course.md",
  rootMissing: "找不到课程目录",
  courseFolderMissing: "找不到课程文件夹",
  symlink: "这是符号链接：课程文件必须是文件本身，不能是链接",
  mediaNotFile: "媒体文件必须是普通文件，不能是链接",
  mediaType: (allowed: string[]) => `不支持的媒体类型；允许：${allowed.join(" ")}`,
  onlyMd: (dir: string) => `${dir}/ 中只能放 .md 文件`,
  fileName: "文件名必须形如 NN-名称.md，例如 01-dang-de-xingzhi.md",

  // front matter fields (each follows the field's term)
  required: "不能为空",
  text: "必须是文字",
  maxChars: (n: number) => `不能超过 ${n} 个字`,
  mustBe: (expect: string) => `必须是${/^\d/.test(expect) ? " " : ""}${expect}`,
  halfStep: "必须以 0.5 为单位",
  bool: "必须是 true 或 false",
  oneOf: (values: readonly string[], text: string) => `必须是 ${values.join(" | ")} 之一，实际为「${text}」`,
  time: (text: string) => `必须是 YYYY-MM-DD HH:mm 格式的北京时间，实际为「${text}」`,
  list: "必须是列表，如 [甲, 乙]",
  mapping: "必须是“字段: 值”形式的若干行",
  seq: "必须是列表",
  eachMapping: "的每一项必须形如 { type: 单选, count: 10, score: 2 }",
  unknownField: (key: string) => `未知字段「${key}」：课程格式中没有这个字段`,
  stages: (stages: string[], text: string) => `必须是发展阶段（${list(stages)}），实际为「${text}」`,
  notBefore: (other: string) => `不能早于${other}`,
  after: (other: string) => `必须晚于${other}`,
  notAbove: (other: string) => `不能高于${other}`,
  attachmentTypes: (types: readonly string[], text: string) => `必须是 ${types.join("、")} 之一，实际为「${text}」`,
  needsVideo: "需要先有视频（video）",
  onlyWithVideo: "只适用于有视频（video）的课时",
  declaredHours: (hours: number, total: string, parts: string) =>
    `${term("hours")}写的是 ${hours}，但本课程能获得的学时合计 ${total}（${parts}）：请改正 hours，或用 offline_hours 写明线下学时`,
  chapterContinuous: (chapter: string) => `「${chapter}」的课时必须相邻：请把同一章的课时放在一起`,

  // media references (follow what is referred to: a field's term or 图片)
  image: "图片",
  mediaOrHttps: "必须是 media/ 中的文件或 https:// 地址",
  relative: "必须是相对路径",
  outside: "不能指向课程文件夹之外",
  inMedia: "必须是 media/ 中的文件",
  ext: (exts: string[]) => `必须是 ${exts.map((e) => `.${e}`).join("/")} 文件`,
  notFound: "文件不存在",
  ref: (what: string, message: string, ref: string) => `${what}${message}：${ref}`,

  // question banks
  stemDuplicate: (line: number) => `题干与第 ${line} 行的题目重复`,
  isStemDuplicate: (message: string) => /^题干与第 \d+ 行的题目重复$/.test(message),
  keyUsed: (key: string, line: number) => `编号 ${key} 已在第 ${line} 行使用`,
  questionType: (types: readonly string[], text: string) => `题型必须是 ${list(types)} 之一，实际为「${text}」`,
  attribute: (attr: string, blank: boolean) => `题目属性 [${attr}] 无效：可用 [N分] [易|中|难] [知识点:…] [标签:…] [编号:…]${blank ? " [顺序无关]" : ""}`,
  attributeBrackets: (rest: string) => `题目属性必须写在方括号中：${rest}`,
  optionPlace: "选项必须紧跟在题干之后",
  optionEmpty: "选项不能为空",
  answerLineOnlyJudge: (type: string) =>
    `“答案：”行只用于判断题；${type}题的答案${type === "填空" ? "用 {{…}} 写在题干中" : type === "简答" ? "写在“参考答案：”之后" : "用 - [x] 标出"}`,
  referenceOnlyEssay: "“参考答案：”只用于简答题",
  keywordsOnlyEssay: "“关键词：”只用于简答题",
  unrecognized: (afterOptions: boolean, text: string) => `无法识别的内容（在${afterOptions ? "选项" : "答案"}之后）：${text}`,
  stemRequired: "题干不能为空",
  optionsOnlyChoice: "选项只用于单选和多选题",
  optionCount: (type: string, n: number) => `${type}题需要 2–8 个选项，现有 ${n} 个`,
  singleAnswer: (n: number) => `单选题必须有且只有一个 - [x] 正确选项，现有 ${n} 个`,
  multiAnswer: (n: number) => `多选题至少要有两个 - [x] 正确选项，现有 ${n} 个`,
  judgeMissing: "判断题需要一行“答案：正确”或“答案：错误”",
  judgeValue: (text: string) => `判断题的答案必须是 正确/错误、对/错、√/× 或 true/false，实际为「${text}」`,
  blankMissing: "填空题的题干中至少要有一个 {{答案}}",
  blankEmpty: "填空题的 {{…}} 中有空的答案",
  referenceRequired: "简答题需要参考答案（参考答案：…）",

  // exams
  bankFile: (text: string) => `必须是 bank/ 中的文件，如 bank/jiben-zhishi.md，实际为「${text}」`,
  notWith: (other: string) => `不能与${other}同时使用`,
  aboveTotal: (total: number) => `不能高于考试总分 ${total}`,
  difficulty: (text: string) => `必须是 易、中 或 难，实际为「${text}」`,
  drawTwice: (type: string) => `${type}已有一条抽题规则：每种题型只写一条`,
  drawShort: (count: number, type: string, filters: string, available: number) =>
    `需要 ${count} 道${type}题${filters ? `（${filters}）` : ""}，题库中只有 ${available} 道`,

  // warnings (the sync goes ahead)
  numberTwice: (nn: string, other: string) => `文件名的编号 ${nn} 与 ${other} 相同：请改用不同的编号（或用 order: 指定顺序）`,
  placeholder: (what: string) => `${what}仍是新建时的占位文字，请写好后再发布`,
  shuffleOff:
    "选项乱序（shuffle_options）已关闭：单选、多选题的选项将按题库中的书写顺序显示。题库若习惯把正确答案写在第一项（导入的题库常常如此），学员看位置就能猜出答案。除非选项必须保持顺序（如“以上都对”），请删去这一行或改为 true",
  lessonLarge: (mb: string, limit: string) => `课时文件有 ${mb}（超过 ${limit}），学员在手机上打开会很慢：请拆成几个课时，或把大段内容做成附件`,

  // sync
  slugInTwoRoots: (slug: string) => `课程文件夹 ${slug} 同时出现在多个课程目录中`,
  ownedByBrowser: (slug: string) => `课程 ${slug} 已在浏览器中编辑（来源：在线编辑），文件同步不会覆盖它`,
  ownedByFiles: (slug: string) => `课程 ${slug} 由课程文件夹同步（来源：文件）；要在浏览器中编辑，请先“转为在线编辑”`,
};

/** What the command line and the start-up log say about a sync. */
export const SYNC_MSG = {
  failed: (n: number) => `课程同步失败：${n} 个错误，数据库未改动`,
  warning: (text: string) => `提醒：${text}`,
  gone: (where: string, slugs: string[]) =>
    `以下课程的文件夹已不在 ${where} 中，未归档：${slugs.join("、")}。确认要归档时加 --prune 再同步一次（npm run courses:sync -- --prune）。`,
  archived: (where: string, slugs: string[]) => `已归档（文件夹已不在 ${where} 中，学员不再看到，学习记录保留）：${slugs.join("、")}`,
  done: (s: { created: number; updated: number; unchanged: number; archived: number }, ms: number) =>
    `课程同步完成：新建 ${s.created}，更新 ${s.updated}，未变 ${s.unchanged}，归档 ${s.archived}（各类条目合计，${ms} ms）`,
  ownedByBrowser: (slug: string) => `课程 ${slug} 已转为在线编辑，课程文件夹中的 ${slug} 未同步`,
};

/** Sync statuses as the command line and the start-up log print them. */
export const SYNC_STATUS: Record<string, string> = {
  created: "新建",
  updated: "已更新",
  unchanged: "未变",
  archived: "已归档",
  gone: "文件夹已不在，未归档",
  owned_elsewhere: "已转为在线编辑，文件未同步",
};

/**
 * The course zip import (app/utils/course-zip.server.ts, importCourseZip, /teach/import). A message about
 * one entry of the archive starts with that entry's path in the archive (`课程/media/a.mp4: …`);
 * the course files inside are then checked by the parser, whose messages carry `file:line`.
 */
export const ZIP_MSG = {
  // the archive
  notZip: "请上传 zip 压缩包（按文件内容判断）",
  noDirectory: "不是有效的 zip 文件（找不到目录）",
  directoryOutside: "不是有效的 zip 文件（目录越界）",
  directoryBroken: "不是有效的 zip 文件（目录损坏）",
  zip64: "不支持 ZIP64 格式的压缩包",
  tooManyEntries: (count: number, max: number) => `压缩包中的文件过多（${count} 个，最多 ${max} 个）`,
  namesNotUtf8: "压缩包中的文件名不是 UTF-8 编码",
  totalTooLarge: (mb: number) => `解压后的内容超过上限 ${mb} MB`,
  // one entry
  bomb: (name: string, ratio: number) => `${name}: 压缩比异常（超过 ${ratio} 倍），疑似压缩炸弹，已拒绝`,
  encrypted: (name: string) => `${name}: 不支持加密的压缩包`,
  method: (name: string, method: number) => `${name}: 不支持的压缩方式 ${method}`,
  damaged: (name: string) => `${name}: 压缩包已损坏`,
  sizeMismatch: (name: string) => `${name}: 实际大小与声明不符`,
  truncated: (name: string) => `${name}: 压缩包不完整`,
  inflate: (name: string) => `${name}: 无法解压，压缩包可能已损坏`,
  checksum: (name: string) => `${name}: 校验失败，压缩包可能已损坏`,
  entryRefused: (name: string, why: string) => `${name}: ${why}`,
  unsafePath: (name: string, why: string) => `${name}: 文件路径不安全（${why}）`,
  unsafe: { backslash: "含有反斜杠", absolute: "是绝对路径", control: "含有控制字符", dots: "含有 . 或 .. 路径" },
  notCourseFile: (name: string) => `${name}: 不属于课程格式的文件（只允许 course.md、lessons/、assignments/、bank/、exams/ 下的 .md 和 media/ 下的媒体文件）`,
  twice: (name: string) => `${name}: 压缩包中重复出现`,
  noCourseMd: (prefix: string) => `${prefix}course.md: 压缩包中没有 course.md`,
  mediaMismatch: "文件内容与扩展名不符",
  // the form and the new course's identifier
  chooseZip: "请选择要导入的 zip 文件",
  oneZip: "请只上传一个 zip 文件",
  slugInvalid: (slug: string) => `课程标识 ${slug} 无效：只能用小写字母、数字和 -`,
  slugMissing: "请填写课程标识（压缩包中没有课程文件夹名）",
  slugUsed: (slug: string) => `课程标识 ${slug} 已被其他课程使用`,
  slugDraft: (slug: string) => `课程标识 ${slug} 已有草稿`,
  slugInFolder: (slug: string) => `课程标识 ${slug} 已被课程文件夹中的课程使用`,
  neverOverwrites: (taken: string) => `${taken}；导入不会覆盖已有课程，请填写一个新的课程标识后重新上传`,
  busy: "你的另一个导入还在进行中，请等它完成后再试",
};

/**
 * The question-bank importers (app/utils/bank-import/). A message about one question is shown after its
 * place, `第 5 行：…` (`at`: the sheet's row for Excel, the file's line for the text formats); line 0 is
 * the file as a whole and stands alone. Questions are also read back by the course parser, whose
 * messages (MSG) pass through.
 */
export const IMPORT_MSG = {
  at: (line: number, message: string) => `第 ${line} 行：${message}`,

  // the file
  empty: "文件是空的",
  tooLarge: (mb: number) => `文件超过大小限制（最大 ${mb} MB）`,
  xls: "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 后再导入",
  xlsxNotExcel: "文件扩展名是 .xlsx，但内容不是 Excel 文件",
  zipNotXlsx: (ext: string) => `文件内容是压缩包，不是支持的题库文件（.${ext || "?"}）；Excel 题库请使用 .xlsx`,
  fileType: (ext: string) => `不支持的文件类型 .${ext}：请上传 Excel（.xlsx）、GIFT 或 Aiken（.txt）、题库 Markdown（.md）`,
  notText: "无法读取文件：不是文本文件，或编码不是 UTF-8 / GBK",
  unknownFormat: "无法识别文件格式：支持 Excel 模板（.xlsx）、Moodle GIFT、Moodle Aiken 和题库 Markdown（.md）",
  noQuestions: "文件中没有题目",
  noQuestionsMarkdown: "文件中没有题目（每道题以 ## 题型 开头）",
  tooMany: (max: number, found: number) => `一次最多导入 ${max} 道题，文件中有 ${found} 道`,

  // every format: what the bank form cannot hold (checked before the course parser reads it back)
  stemHeading: "题干中的行不能以 ## 开头（会被当作下一道题）",
  score: (text: string) => `分值应为大于 0 的数字，实际为「${text}」`,
  knowledgeChars: "知识点不能含有 ] 或换行",
  tagChars: "标签不能含有 ] 或换行",
  optionCount: (max: number, found: number) => `选择题需要 2–${max} 个选项，实际有 ${found} 个`,
  optionNewline: (letter: string) => `选项${letter}不能换行`,
  singleAnswer: "单选题必须有且只有一个正确答案",
  multiAnswer: "多选题至少要有两个正确答案",
  blankNone: "填空题至少要有一个空",
  blankEmpty: "填空题的答案不能为空",
  blankChars: "填空题的答案不能含有 {{、}} 或换行",
  referenceRequired: "简答题需要参考答案",
  keywordChars: "关键词不能为空，也不能含有逗号、顿号或换行",
  notBankFormat: "无法保存为题库格式",
  notBankFormatBecause: (why: string) => `无法保存为题库格式：${why}`,
  blankAnswers: "填空题的答案不能为空（多个空用 | 分隔，同一空的备选答案用 / 分隔）",
  blankCount: (marked: number, answers: number) => `题干中标出的空（{{}}、（ ）或 ____）有 ${marked} 处，答案有 ${answers} 个空，数量不一致`,

  // Excel (the template in the bank page)
  noSheet: "Excel 文件中没有工作表",
  noHeader: "找不到表头：请使用题库导入模板，表头应包含 题型、题干、选项A…选项F、答案 等列",
  answerColumn: "表头缺少「答案」列",
  unknownColumn: (name: string) => `列「${name}」不是模板中的列（或与前面的列重复），这一列未导入`,
  otherSheet: (read: string, other: string) => `只读取第一个工作表「${read}」，工作表「${other}」中的题目未导入`,
  noRows: "表格中没有题目",
  unusedOptions: (type: string) => `${type}题不用选项，选项列的内容未导入`,
  unusedKeywords: "关键词只用于简答题，「关键词」列的内容未导入",
  unusedOrderFree: "顺序无关只用于填空题，「顺序无关」列的内容未导入",
  typeInvalid: (text: string, types: readonly string[]) => `题型「${text}」无效，应为 ${list(types)} 之一`,
  typeRequired: "题型不能为空",
  difficulty: (text: string, values: readonly string[]) => `难度应为 ${list(values)} 之一，实际为「${text}」`,
  optionGap: (letter: string) => `选项${letter}为空，但后面还有选项`,
  twoOptions: "选择题至少需要两个选项",
  answerRequired: "答案不能为空",
  answerLetters: (text: string) => `答案应为选项字母，如 B、ACD 或 A,C,D，实际为「${text}」`,
  answerOptionEmpty: (letter: string) => `答案 ${letter} 对应的选项${letter}为空`,
  judgeValue: (text: string) => `判断题的答案应为 正确/错误、对/错 或 √/×，实际为「${text}」`,
  blankSides: "填空题的答案不能为空：| 或 / 两边都要有内容",
  essayAnswerColumn: "简答题的「答案」列应填写参考答案",

  // Moodle GIFT
  titlesLost: (lines: readonly number[]) =>
    `题目标题 ::…:: 未导入（题库没有题目标题）：第 ${lines.slice(0, 20).join("、")}${lines.length > 20 ? ` 等 ${lines.length} 处` : ""} 行`,
  titleUnclosed: "题目标题 ::…:: 没有结束的 ::",
  noAnswerPart: "没有答案部分 {…}：说明文字（Description）不是题目，未导入",
  answerPartUnclosed: "答案部分缺少结束的 }",
  twoAnswerParts: "一道题只能有一个答案部分 {…}",
  essayWithoutReference: (placeholder: string) => `简答题没有参考答案，已填入「${placeholder}」，请在题库中补充`,
  numerical: "不支持数值题（Numerical），未导入",
  answersUnreadable: "答案部分无法识别：每个答案应以 = 或 ~ 开头",
  matching: "不支持匹配题（Matching），未导入",
  answerEmpty: "答案部分有空的答案",
  shortAnswerNoFull: "填空题（Short answer）没有满分的答案",
  shortAnswerSlash: "填空题的答案不能含有 /（/ 用来分隔备选答案）",
  shortAnswerPartial: (text: string, percent: string) => `答案「${text}」只得 ${percent} 分：填空题不能给部分分，它未作为正确答案导入`,
  feedbackKept: (labels: readonly string[]) => `各答案的反馈（${list(labels)}）已写入解析：题库没有按所选答案显示的反馈，学员交卷后都会看到`,
  twoEquals: "选择题只能有一个 = 正确答案；多选题请用 ~%50% 这样的正分值标出每个正确答案",
  noRightAnswer: "选择题没有正确答案（用 = 标出，或多选题用 ~%50% 这样的正分值）",
  partialCreditLost: (letter: string, text: string, percent: string) =>
    `选项${letter}「${text}」的部分得分 ${percent} 未导入：单选题只有一个正确答案，它按错误选项计分`,
  weightsLost: (weights: readonly string[]) => `各正确答案的分值比例（${list(weights)}）未导入：多选题按考试的多选计分规则给分`,
  penaltiesLost: (penalties: readonly string[]) => `选错扣分（${list(penalties)}）未导入：题库不支持扣分`,
  // what GIFT puts into a question: an essay's missing reference answer, the labels of kept feedback in 解析
  essayPlaceholder: "（原题未提供参考答案）",
  feedbackRight: "答对时",
  feedbackWrong: "答错时",
  feedbackOnAnswer: (text: string) => `答「${text}」`,
  feedbackOnOption: (letter: string) => `选${letter}`,

  // Moodle Aiken
  answerMissing: "缺少 ANSWER 行",
  answerWithoutQuestion: "ANSWER 行前面没有题目",
  aikenTwoOptions: "选择题至少需要两个选项（A. … B. …）",
  aikenOneLetter: (text: string) => `Aiken 格式只有单选题，ANSWER 应为一个选项字母，实际为「${text}」`,
  aikenNoOption: (letter: string) => `答案 ${letter} 没有对应的选项`,
  aikenLetterOrder: (expected: string, found: string) => `选项字母应为 ${expected}，实际为 ${found}`,

  // duplicates (the preview lists them by line)
  sameInFile: (line: number) => `与文件第 ${line} 行的题干相同`,
  sameInBank: "与题库中已有的题目相同",
  sameInBankAs: (excerpt: string) => `与题库中已有的题目相同：${excerpt}`,
  sameKeyInBank: (excerpt: string) => `编号与题库中已有的题目相同：${excerpt}`,
};
