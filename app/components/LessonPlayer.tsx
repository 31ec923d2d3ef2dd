// video.js player for a lesson: Chinese UI and captions, inline on phones, resume, and — until the
// lesson is complete — no seeking past the furthest point reached and no speed-up (per course rules).
// Each lock says why in one line under the picture when it acts; a page that may not earn time (another
// page holds the trainee's presence, a 继续学习 check, a hidden tab) does not play.
import { useEffect, useRef, useState } from "react";
import type { Interval } from "~/utils/coverage.ts";

const clock = (t: number) => `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, "0")}`;

const LOCK_NOTE = {
  seek: (t: number) => `完成本课前不能快进：只能播放到已观看的位置（${clock(t)}）`,
  rate: "完成本课前只能以正常速度（1×）播放",
  rewind: (t: number) => `只有 ${clock(t)} 之前的观看计入了学时（网络中断或暂停计时期间的播放不计），已回到该处继续`,
};

type Player = ReturnType<typeof import("video.js").default>;

export type PlayerControls = {
  /** Segments played since the last call, the position and the duration. */
  take: () => { segments: Interval[]; position: number; duration?: number };
  /** Back to where credit stops: what was played beyond it is dropped, and the player says why. */
  rewindTo: (t: number) => void;
};

export function LessonPlayer(props: {
  src: string;
  captions: string | null;
  resumeAt: number;
  /** Furthest point the server has credited; seeking beyond it is blocked while locked. */
  furthest: number;
  lockSeek: boolean;
  lockRate: boolean;
  controlsRef: React.MutableRefObject<PlayerControls | null>;
  /** Why the page may not earn time right now (busy, presence check): the video is paused and will not play. */
  hold: string | null;
  /** Called when playback stops (pause, end), so progress is saved right then. */
  onStop?: () => void;
}) {
  const holder = useRef<HTMLDivElement>(null);
  const live = useRef(props);
  live.current = props;
  const [note, setNote] = useState<string | null>(null);
  const pauseRef = useRef<() => void>(() => {});
  useEffect(() => {
    const hold = props.hold;
    if (hold) {
      pauseRef.current();
      setNote(hold);
      return () => setNote((n) => (n === hold ? null : n));
    }
  }, [props.hold]);

  useEffect(() => {
    let player: Player | undefined;
    let disposed = false;
    const played: Interval[] = [];
    let current: Interval | null = null;
    let reach = live.current.furthest;

    void (async () => {
      // video.js and its stylesheet load only here, where a video plays: a text lesson downloads neither.
      const [{ default: videojs }, zh] = await Promise.all([import("video.js"), import("video.js/dist/lang/zh-CN.json"), import("video.js/dist/video-js.css")]);
      if (disposed || !holder.current) return;
      videojs.addLanguage("zh-CN", zh.default);
      const el = document.createElement("video-js");
      el.classList.add("vjs-big-play-centered", "vjs-fluid");
      el.setAttribute("playsinline", "");
      el.setAttribute("webkit-playsinline", "");
      // WeChat's X5 browser on Android plays full screen unless told to play in the page.
      el.setAttribute("x5-playsinline", "");
      holder.current.replaceChildren(el);
      const locked = () => live.current.lockRate;
      player = videojs(el, {
        language: "zh-CN",
        controls: true,
        preload: "metadata",
        playsinline: true,
        // video.js draws the captions itself (not the browser), so they sit above its control bar
        // (.vjs-text-track-display keeps 3em free at the bottom) instead of under it.
        html5: { nativeTextTracks: false },
        playbackRates: locked() ? undefined : [0.75, 1, 1.25, 1.5, 2],
        sources: [{ src: live.current.src, type: live.current.src.endsWith(".webm") ? "video/webm" : "video/mp4" }],
        tracks: live.current.captions ? [{ kind: "captions", src: live.current.captions, srclang: "zh-CN", label: "中文", default: true }] : [],
      });
      const p = player;
      const close = () => {
        if (current && current[1] > current[0]) played.push(current);
        current = null;
      };
      p.one("loadedmetadata", () => {
        const at = live.current.resumeAt;
        if (at > 1 && at < (p.duration() ?? 0) - 2) p.currentTime(at);
      });
      p.on("timeupdate", () => {
        const t = p.currentTime() ?? 0;
        if (p.paused() || p.seeking()) return;
        if (current && t >= current[1] - 0.3 && t - current[1] < 2) current[1] = t;
        else {
          close();
          current = [t, t];
        }
        reach = Math.max(reach, t);
      });
      p.on(["pause", "ended", "waiting"], close);
      p.on("play", () => {
        if (live.current.hold) {
          p.pause();
          setNote(live.current.hold);
        } else if (document.visibilityState === "hidden") p.pause();
      });
      p.on(["pause", "ended"], () => live.current.onStop?.());
      p.on("seeking", () => {
        close();
        const t = p.currentTime() ?? 0;
        const limit = Math.max(reach, live.current.furthest) + 2;
        if (live.current.lockSeek && t > limit) {
          p.currentTime(Math.max(0, limit - 2));
          setNote(LOCK_NOTE.seek(limit - 2));
        }
      });
      p.on("ratechange", () => {
        if (live.current.lockRate && p.playbackRate() !== 1) {
          p.playbackRate(1);
          setNote(LOCK_NOTE.rate);
        }
      });
      pauseRef.current = () => p.pause();
      live.current.controlsRef.current = {
        take: () => {
          const position = p.currentTime() ?? 0;
          const segs = [...played.splice(0), ...(current && current[1] > current[0] ? [[current[0], current[1]] as Interval] : [])];
          if (current) current = [current[1], current[1]];
          const d = p.duration();
          return { segments: segs, position, duration: d && Number.isFinite(d) ? d : undefined };
        },
        rewindTo: (t) => {
          played.splice(0);
          current = null;
          reach = t;
          p.currentTime(t);
          setNote(LOCK_NOTE.rewind(t));
        },
      };
    })();

    // A hidden page earns nothing, so it does not play on.
    const onVisibility = () => {
      if (document.visibilityState === "hidden") player?.pause();
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      disposed = true;
      live.current.controlsRef.current = null;
      player?.dispose();
    };
  }, []);

  return (
    <div className="player-wrap">
      <div className="player" ref={holder} data-testid="lesson-player">
        {/* Before JavaScript runs (or without it) the browser's own player still plays the video. */}
        <video controls playsInline webkit-playsinline="" x5-playsinline="" preload="metadata" src={props.src}>
          {props.captions ? <track kind="captions" src={props.captions} srcLang="zh-CN" label="中文" default /> : null}
        </video>
      </div>
      {note ? (
        <p className="player-note" role="status" data-testid="player-note">
          {note}
        </p>
      ) : null}
    </div>
  );
}
