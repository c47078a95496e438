import { memo, useLayoutEffect, useRef, useState } from 'react';

// Closer than this to the bottom counts as "at the bottom": the view follows new lines.
const STICKY_PX = 24;

function lineClass(line) {
  if (line.startsWith('[reactor]')) return 'log-line log-reactor';
  if (/\b(error|failed|ERR!)\b/i.test(line)) return 'log-line log-error';
  if (/\bwarn(ing)?\b/i.test(line)) return 'log-line log-warn';
  return 'log-line';
}

// The build log: follows the output while scrolled to the bottom; once the user scrolls
// up it stays put and offers a button back to the latest line.
function LogView({ lines, running }) {
  const boxRef = useRef(null);
  const followRef = useRef(true);
  const [following, setFollowing] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const seenCount = useRef(0);
  // Where following last put the view: while the log only grew, a view above it was
  // scrolled back by the user even when the browser has not reported that scroll yet
  // (its event comes a frame later).
  const pinnedTop = useRef(0);

  const onScroll = () => {
    const box = boxRef.current;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight <= STICKY_PX;
    if (atBottom !== followRef.current) {
      followRef.current = atBottom;
      setFollowing(atBottom);
    }
    if (atBottom) {
      seenCount.current = lines.length;
      setUnseen(0);
    }
  };

  useLayoutEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const grew = lines.length >= seenCount.current;
    if (followRef.current && grew && box.scrollTop < pinnedTop.current - STICKY_PX) {
      followRef.current = false;
      setFollowing(false);
    }
    if (followRef.current) {
      box.scrollTop = box.scrollHeight;
      pinnedTop.current = box.scrollTop;
      seenCount.current = lines.length;
      setUnseen(0);
    } else {
      setUnseen(lines.length - seenCount.current);
    }
  }, [lines]);

  const jump = () => {
    const box = boxRef.current;
    followRef.current = true;
    setFollowing(true);
    box.scrollTop = box.scrollHeight;
    pinnedTop.current = box.scrollTop;
    box.focus();
  };

  return (
    <div className="log-wrap">
      <div
        ref={boxRef}
        className="log"
        role="log"
        aria-label="Build log"
        aria-live="off"
        tabIndex={0}
        onScroll={onScroll}
      >
        {lines.length === 0 ? (
          <p className="log-empty">{running ? 'Waiting for output…' : 'No output.'}</p>
        ) : (
          <ol className="log-lines">
            {lines.map(({ seq, line }) => (
              <li key={seq} className={lineClass(line)}>
                {line || '\u00a0'}
              </li>
            ))}
          </ol>
        )}
      </div>
      {!following && (
        <button type="button" className="jump-latest" onClick={jump}>
          {unseen > 0 ? `${unseen} new line${unseen === 1 ? '' : 's'} ↓` : 'Latest ↓'}
        </button>
      )}
    </div>
  );
}

// The page re-renders every second while a build runs (the timeline's clock): the log
// only when its lines change.
export default memo(LogView);
