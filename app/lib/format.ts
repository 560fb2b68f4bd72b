/** The number formats of the workbench: the engine's, so the HTML report prints the same text. */
export { formatBytes, formatDb, formatMs, formatNumber, formatPercent, formatSeconds } from '../../workers/core/report/format';
