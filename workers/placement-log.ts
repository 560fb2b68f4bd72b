/**
 * Which nodes onnxruntime placed on which execution provider, read from its own log. With
 * `logSeverityLevel: 0` a session logs, while it is created (onnxruntime-web 1.30, checked in
 * Chromium; every line goes to console.error prefixed with a timestamp and the source location):
 *
 *   [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements
 *   [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 40
 *   [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   QuantizeLinear (data_0_QuantizeLinear)
 *   ...
 *   [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 220
 *
 * or, when one provider took everything:
 *
 *   [V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 41
 *
 * Node names are those of onnxruntime's optimized graph (fused nodes get new names).
 */
export interface ProviderPlacement {
  readonly provider: string;
  /** As logged: the count line. */
  readonly count: number;
  readonly nodes: Array<{ opType: string; name: string }>;
}

const MARK = 'VerifyEachNodeIsAssignedToAnEp]';
const ALL = /All nodes placed on \[([^\]]+)\]\. Number of nodes: (\d+)/;
const SOME = /Node\(s\) placed on \[([^\]]+)\]\. Number of nodes: (\d+)/;
const NODE = /^ {2,}(\S+) \((.*)\)\s*$/;

/** Parses captured log lines; null when no placement was logged. */
export function parsePlacementLog(lines: readonly string[]): ProviderPlacement[] | null {
  const out: ProviderPlacement[] = [];
  let current: ProviderPlacement | null = null;
  let seen = false;
  for (const line of lines) {
    for (const raw of line.split('\n')) {
      const at = raw.indexOf(MARK);
      if (at < 0) continue;
      seen = true;
      const text = raw.slice(at + MARK.length);
      const all = ALL.exec(text);
      if (all) {
        out.push({ provider: all[1], count: Number(all[2]), nodes: [] });
        current = null;
        continue;
      }
      const some = SOME.exec(text);
      if (some) {
        current = { provider: some[1], count: Number(some[2]), nodes: [] };
        out.push(current);
        continue;
      }
      const node = NODE.exec(text);
      if (node && current) current.nodes.push({ opType: node[1], name: node[2] });
    }
  }
  return seen ? out : null;
}

export const CPU_PROVIDER = 'CPUExecutionProvider';
