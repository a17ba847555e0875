// Axis and legend values in the Grafana units the dashboards name.

function trimmed(v: number, digits = 3): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : digits;
  return String(Number(v.toFixed(decimals)));
}

/** v scaled by the largest step of `steps` it reaches ([factor, suffix], ascending). */
function scaled(v: number, steps: [number, string][]): string {
  let [factor, suffix] = steps[0];
  for (const [f, s] of steps) if (Math.abs(v) >= f) [factor, suffix] = [f, s];
  return `${trimmed(v / factor)}${suffix}`;
}

const SI: [number, string][] = [[1, ''], [1e3, ' K'], [1e6, ' M'], [1e9, ' G'], [1e12, ' T']];
const IEC_BYTES: [number, string][] = [[1, ' B'], [1024, ' KiB'], [1024 ** 2, ' MiB'], [1024 ** 3, ' GiB'], [1024 ** 4, ' TiB']];
const SI_BYTES: [number, string][] = [[1, ' B'], [1e3, ' kB'], [1e6, ' MB'], [1e9, ' GB'], [1e12, ' TB']];
const SECONDS: [number, string][] = [[1e-9, ' ns'], [1e-6, ' µs'], [1e-3, ' ms'], [1, ' s'], [60, ' min'], [3600, ' h'], [86400, ' day']];

/** One value in a Grafana unit (short, percentunit, s, bytes, Bps, reqps, pps). */
export function formatValue(v: number | null | undefined, unit: string): string {
  if (v == null || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'percentunit':
      return `${trimmed(v * 100, 2)}%`;
    case 'percent':
      return `${trimmed(v, 2)}%`;
    case 's':
      return v === 0 ? '0 s' : scaled(v, SECONDS);
    case 'bytes':
      return scaled(v, IEC_BYTES);
    case 'Bps':
      return `${scaled(v, SI_BYTES)}/s`;
    case 'reqps':
      return `${scaled(v, SI)} req/s`;
    case 'pps':
      return `${scaled(v, SI)} p/s`;
    default:
      return scaled(v, SI);
  }
}
