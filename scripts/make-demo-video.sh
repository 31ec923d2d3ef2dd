#!/usr/bin/env bash
# 生成演示课程的讲解视频（幻灯片 + 合成语音）和配套的中文 WebVTT 字幕。
#
# 产物已提交到仓库，CI 不运行本脚本；修改讲稿或版式后手动重新生成：
#
#   apt-get update && apt-get install -y ffmpeg espeak-ng imagemagick fonts-noto-cjk
#   bash scripts/make-demo-video.sh                      # 全部课程
#   bash scripts/make-demo-video.sh yubei-dangyuan       # 只生成列出的课程
#
# 生成：
#   courses/jijifenzi-peixun/media/lecture-01.mp4 / .vtt   第一讲 党的性质和宗旨
#   courses/fazhan-duixiang/media/lecture-06.mp4 / .vtt    入党志愿书与入党誓词
#   courses/yubei-dangyuan/media/lecture-01.mp4 / .vtt     预备期：教育和考察
#   courses/*/media/cover.png                               课程封面
#
# 每条字幕就是一段讲稿：逐段用 espeak-ng 的普通话音色（-v cmn）合成，量出时长，
# 再据此排定幻灯片的切换时间和字幕的起止时间，所以字幕与语音严格对齐。
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ImageMagick 6 (Debian) 叫 convert，7 叫 magick。优先用发行版自带的真实程序。
if [ -x /usr/bin/convert ]; then IM=/usr/bin/convert
elif command -v magick >/dev/null 2>&1; then IM=magick
else IM=convert; fi

for tool in ffmpeg ffprobe espeak-ng; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "缺少 $tool：请先 apt-get install -y ffmpeg espeak-ng imagemagick fonts-noto-cjk" >&2
    exit 1
  }
done

FONT_REGULAR="Noto-Sans-CJK-SC"
FONT_BOLD="Noto-Sans-CJK-SC-Bold"
if ! "$IM" -list font 2>/dev/null | grep "Font: $FONT_BOLD" >/dev/null; then  # not -q: with pipefail an early exit kills convert
  echo "找不到字体 $FONT_BOLD：请安装 fonts-noto-cjk" >&2
  exit 1
fi

RED_DARK="#8E0E0E"
RED="#B71C1C"
GOLD="#F6C445"
CREAM="#FFF4D6"

SPEED=220        # espeak-ng 语速（词/分钟）；普通话约每秒 3.5 字
GAP=0.45         # 两段讲稿之间的停顿（秒）
LEAD=0.6         # 片头静音（秒）
TAIL=1.2         # 片尾静音（秒）

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- 幻灯片
# slide OUT TITLE KICKER LINE...   KICKER 为标题上方的小字（课程名/讲次），LINE 为正文各行
slide() {
  local out=$1 title=$2 kicker=$3
  shift 3
  local args=(
    -size 640x360 "gradient:${RED}-${RED_DARK}"
    -fill "$GOLD" -draw "rectangle 0,0 640,8"
    -fill "$GOLD" -draw "rectangle 0,352 640,360"
    -fill "$GOLD" -draw "rectangle 40,118 600,121"
    -font "$FONT_REGULAR" -pointsize 15 -fill "$CREAM" -gravity northwest -annotate +40+24 "网上党校 · $kicker"
    -font "$FONT_BOLD" -pointsize 34 -fill "$GOLD" -gravity northwest -annotate +40+58 "$title"
  )
  local y=140 line
  for line in "$@"; do
    case "$line" in
      "• "*) args+=(-font "$FONT_REGULAR" -pointsize 22 -fill "#FFFFFF" -annotate "+48+$y" "$line"); y=$((y + 40)) ;;
      "> "*) args+=(-font "$FONT_BOLD" -pointsize 22 -fill "$CREAM" -annotate "+48+$y" "${line#> }"); y=$((y + 36)) ;;
      *)     args+=(-font "$FONT_REGULAR" -pointsize 20 -fill "$CREAM" -annotate "+48+$y" "$line"); y=$((y + 34)) ;;
    esac
  done
  "$IM" "${args[@]}" -depth 8 "$out"
}

# 标题页
title_slide() {
  local out=$1 title=$2 sub=$3 course=$4
  "$IM" -size 640x360 "gradient:${RED}-${RED_DARK}" \
    -fill "$GOLD" -draw "rectangle 0,0 640,8" -draw "rectangle 0,352 640,360" \
    -draw "rectangle 170,212 470,215" \
    -font "$FONT_REGULAR" -pointsize 18 -fill "$CREAM" -gravity north -annotate +0+70 "网上党校 · $course" \
    -font "$FONT_BOLD" -pointsize 44 -fill "$GOLD" -gravity north -annotate +0+128 "$title" \
    -font "$FONT_REGULAR" -pointsize 20 -fill "#FFFFFF" -gravity north -annotate +0+236 "$sub" \
    -depth 8 "$out"
}

# 课程封面（小尺寸 PNG）
cover() {
  local out=$1 title=$2 sub=$3
  "$IM" -size 480x270 "gradient:${RED}-${RED_DARK}" \
    -fill "$GOLD" -draw "rectangle 0,0 480,6" -draw "rectangle 0,264 480,270" \
    -draw "rectangle 140,160 340,162" \
    -font "$FONT_REGULAR" -pointsize 15 -fill "$CREAM" -gravity north -annotate +0+52 "网上党校" \
    -font "$FONT_BOLD" -pointsize 34 -fill "$GOLD" -gravity north -annotate +0+92 "$title" \
    -font "$FONT_REGULAR" -pointsize 17 -fill "#FFFFFF" -gravity north -annotate +0+176 "$sub" \
    -colors 64 -depth 8 -strip "$out"
}

# ---------------------------------------------------------------- 语音与字幕
# 讲稿格式：每行 "幻灯片序号|字幕文字"，字幕文字即朗读文字；"^" 处字幕换行（朗读时忽略）。
fmt_time() { # 秒 -> HH:MM:SS.mmm
  awk -v t="$1" 'BEGIN { ms = int(t * 1000 + 0.5); h = int(ms / 3600000); m = int(ms % 3600000 / 60000); s = (ms % 60000) / 1000; printf "%02d:%02d:%06.3f", h, m, s }'
}
duration() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }

# build OUT_BASE SLIDE_COUNT SCRIPT_FILE    (幻灯片已渲染为 $WORK/slide-N.png)
build() {
  local base=$1 nslides=$2 script=$3
  local dir="$WORK/$(basename "$base")"
  mkdir -p "$dir"
  : >"$dir/audio.txt"
  ffmpeg -nostdin -v error -f lavfi -i "anullsrc=r=22050:cl=mono" -t "$GAP" -c:a pcm_s16le "$dir/gap.wav"
  ffmpeg -nostdin -v error -f lavfi -i "anullsrc=r=22050:cl=mono" -t "$LEAD" -c:a pcm_s16le "$dir/lead.wav"
  ffmpeg -nostdin -v error -f lavfi -i "anullsrc=r=22050:cl=mono" -t "$TAIL" -c:a pcm_s16le "$dir/tail.wav"
  echo "file '$dir/lead.wav'" >>"$dir/audio.txt"

  local vtt="WEBVTT"$'\n'
  local t=$LEAD i=0 slide text d end
  local -a slide_end
  while IFS='|' read -r slide text; do
    [ -z "$slide" ] && continue
    i=$((i + 1))
    espeak-ng -v cmn -s "$SPEED" -w "$dir/seg-$i.wav" "${text//^/}" </dev/null
    # 去掉 espeak 首尾的静音，停顿统一由 GAP 控制
    ffmpeg -nostdin -v error -i "$dir/seg-$i.wav" \
      -af "silenceremove=start_periods=1:start_threshold=-50dB,areverse,silenceremove=start_periods=1:start_threshold=-50dB,areverse" \
      -ar 22050 -ac 1 -c:a pcm_s16le "$dir/trim-$i.wav"
    d=$(duration "$dir/trim-$i.wav")
    end=$(add "$t" "$d")
    vtt+=$'\n'"$i"$'\n'"$(fmt_time "$t") --> $(fmt_time "$end")"$'\n'"${text//^/$'\n'}"$'\n'
    echo "file '$dir/trim-$i.wav'" >>"$dir/audio.txt"
    echo "file '$dir/gap.wav'" >>"$dir/audio.txt"
    t=$(add "$end" "$GAP")
    slide_end[$slide]=$t
  done <"$script"
  echo "file '$dir/tail.wav'" >>"$dir/audio.txt"
  local total
  total=$(add "$t" "$TAIL")
  slide_end[$nslides]=$total

  ffmpeg -nostdin -v error -f concat -safe 0 -i "$dir/audio.txt" -c:a pcm_s16le "$dir/narration.wav"

  # 幻灯片时长：每张幻灯片持续到它最后一段讲稿结束（加停顿）为止
  : >"$dir/video.txt"
  local prev=0 n
  for n in $(seq 1 "$nslides"); do
    echo "file '$WORK/slide-$n.png'" >>"$dir/video.txt"
    echo "duration $(awk -v a="${slide_end[$n]}" -v b="$prev" 'BEGIN { printf "%.3f", a - b }')" >>"$dir/video.txt"
    prev=${slide_end[$n]}
  done
  echo "file '$WORK/slide-$nslides.png'" >>"$dir/video.txt"

  ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$dir/video.txt" -i "$dir/narration.wav" \
    -vf "fps=10,format=yuv420p" -c:v libx264 -preset veryslow -tune stillimage -crf 30 -g 100 \
    -c:a aac -b:a 48k -ac 1 -ar 22050 \
    -t "$total" -movflags +faststart -metadata:s:a:0 language=chi \
    "$base.mp4"
  printf '%s' "$vtt" >"$base.vtt"
  echo "$base.mp4: $(du -k "$base.mp4" | cut -f1) KB, $(duration "$base.mp4") s, $i 条字幕"
}

# ================================================================ 入党积极分子培训 · 第一讲
jijifenzi_peixun() {
C1="$ROOT/courses/jijifenzi-peixun/media"
mkdir -p "$C1"
title_slide "$WORK/slide-1.png" "党的性质和宗旨" "第一讲 · 学习《中国共产党章程》总纲" "入党积极分子培训"
slide "$WORK/slide-2.png" "党的性质" "入党积极分子培训 · 第一讲" \
  "• 中国工人阶级的先锋队" \
  "• 中国人民和中华民族的先锋队" \
  "• 中国特色社会主义事业的领导核心" \
  "（《中国共产党章程》总纲）"
slide "$WORK/slide-3.png" "三个“代表”" "入党积极分子培训 · 第一讲" \
  "• 代表中国先进生产力的发展要求" \
  "• 代表中国先进文化的前进方向" \
  "• 代表中国最广大人民的根本利益"
slide "$WORK/slide-4.png" "党的宗旨" "入党积极分子培训 · 第一讲" \
  "> 全心全意为人民服务" \
  "党除了工人阶级和最广大人民群众的利益，" \
  "没有自己特殊的利益。" \
  "（《中国共产党章程》总纲）"
cat >"$WORK/script-1.txt" <<'EOF'
1|同学们好。本讲学习党的性质和宗旨。
2|党章总纲开宗明义：^中国共产党是中国工人阶级的先锋队，
2|同时是中国人民和中华民族的先锋队，
2|是中国特色社会主义事业的领导核心。
3|党代表中国先进生产力的发展要求，
3|代表中国先进文化的前进方向，
3|代表中国最广大人民的根本利益。
4|党的根本宗旨是全心全意为人民服务。
4|党除了工人阶级和最广大人民群众的利益，^没有自己特殊的利益。
4|请对照党章原文，认真学习本讲内容。
EOF
build "$C1/lecture-01" 4 "$WORK/script-1.txt"
cover "$C1/cover.png" "入党积极分子培训" "党的基本知识 · 24 学时"
ls -l "$C1"
}

# ================================================================ 发展对象集中培训 · 入党誓词
fazhan_duixiang() {
C2="$ROOT/courses/fazhan-duixiang/media"
mkdir -p "$C2"
title_slide "$WORK/slide-1.png" "入党誓词" "学习《中国共产党章程》第六条" "发展对象集中培训"
slide "$WORK/slide-2.png" "面向党旗宣誓" "发展对象集中培训 · 入党志愿书与入党誓词" \
  "> 预备党员必须面向党旗进行入党宣誓。" \
  "（《中国共产党章程》第一章第六条）" \
  "• 誓词是党章的原文，必须逐字准确" \
  "• 宣誓是庄严的政治承诺"
slide "$WORK/slide-3.png" "入党誓词（一）" "发展对象集中培训 · 入党志愿书与入党誓词" \
  "我志愿加入中国共产党，" \
  "拥护党的纲领，遵守党的章程，" \
  "履行党员义务，执行党的决定，" \
  "严守党的纪律，保守党的秘密，"
slide "$WORK/slide-4.png" "入党誓词（二）" "发展对象集中培训 · 入党志愿书与入党誓词" \
  "对党忠诚，积极工作，" \
  "为共产主义奋斗终身，" \
  "随时准备为党和人民牺牲一切，" \
  "永不叛党。"
cat >"$WORK/script-2.txt" <<'EOF'
1|本讲学习入党誓词。
2|党章第六条规定：^预备党员必须面向党旗进行入党宣誓。
2|誓词是党章的原文，必须逐字准确。
3|我志愿加入中国共产党，^拥护党的纲领，遵守党的章程，
3|履行党员义务，执行党的决定，^严守党的纪律，保守党的秘密，
4|对党忠诚，积极工作，^为共产主义奋斗终身，
4|随时准备为党和人民牺牲一切，^永不叛党。
4|誓词一经说出，就要用一生去践行。
EOF
build "$C2/lecture-06" 4 "$WORK/script-2.txt"
cover "$C2/cover.png" "发展对象集中培训" "党章与党员标准 · 不少于 24 学时"
ls -l "$C2"
}

# ================================================================ 预备党员教育培训 · 第一讲
yubei_dangyuan() {
C3="$ROOT/courses/yubei-dangyuan/media"
mkdir -p "$C3"
K3="预备党员教育培训 · 第一讲"
title_slide "$WORK/slide-1.png" "预备期：教育和考察" "第一讲 · 学习《中国共产党章程》第七条" "预备党员教育培训"
slide "$WORK/slide-2.png" "预备期为一年" "$K3" \
  "• 从支部大会通过为预备党员之日算起" \
  "• 党组织应当认真教育和考察" \
  "（《中国共产党章程》第七条）"
slide "$WORK/slide-3.png" "义务一样，权利有别" "$K3" \
  "• 预备党员的义务同正式党员一样" \
  "• 权利也同正式党员一样，但是——" \
  "> 没有表决权、选举权和被选举权" \
  "（《中国共产党章程》第七条）"
slide "$WORK/slide-4.png" "怎样教育和考察" "$K3" \
  "• 党的组织生活" \
  "• 听取本人汇报、个别谈心" \
  "• 集中培训、实践锻炼" \
  "（《中国共产党发展党员工作细则》）"
slide "$WORK/slide-5.png" "预备期满" "$K3" \
  "• 具备党员条件的，按期转为正式党员" \
  "• 需要继续考察的，延长预备期，不超过一年" \
  "• 不具备党员条件的，取消预备党员资格" \
  "> 都须经支部大会通过、上级党组织批准"
cat >"$WORK/script-3.txt" <<'SCRIPT'
1|本讲学习预备期的教育和考察。
2|党章第七条规定：预备党员的预备期为一年，^从支部大会通过他为预备党员之日算起。
2|党组织对预备党员应当认真教育和考察。
3|预备党员的义务同正式党员一样；^权利除了没有表决权、选举权和被选举权，也同正式党员一样。
4|党组织通过组织生活、本人汇报、个别谈心、^集中培训和实践锻炼，继续教育和考察。
5|预备期满，具备条件的按期转正；^需要继续考察的，延长预备期，不超过一年；
5|不具备条件的，取消预备党员资格。^都要经支部大会通过和上级党组织批准。
SCRIPT
build "$C3/lecture-01" 5 "$WORK/script-3.txt"
cover "$C3/cover.png" "预备期的教育和考察" "预备党员教育培训 · 22 学时"
ls -l "$C3"
}

courses=("$@")
[ ${#courses[@]} -eq 0 ] && courses=(jijifenzi-peixun fazhan-duixiang yubei-dangyuan)
for c in "${courses[@]}"; do
  case "$c" in
    jijifenzi-peixun) jijifenzi_peixun ;;
    fazhan-duixiang) fazhan_duixiang ;;
    yubei-dangyuan) yubei_dangyuan ;;
    *) echo "未知课程：$c（可选 jijifenzi-peixun fazhan-duixiang yubei-dangyuan）" >&2; exit 1 ;;
  esac
done
