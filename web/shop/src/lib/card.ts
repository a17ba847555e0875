// Card expiry as people type it: "12/30", "12 / 2030", "1/30", "12-30", "1230".

export interface Expiry {
  month: number;
  year: number;
}

/** The expiry in `text`, or null when it is not a month and a two- or four-digit year. */
export function parseExpiry(text: string): Expiry | null {
  const s = text.trim();
  const m = /^(\d{1,2})\s*[/\-. ]\s*(\d{2}|\d{4})$/.exec(s) ?? /^(\d{2})(\d{2}|\d{4})$/.exec(s);
  if (!m) return null;
  const month = Number(m[1]);
  if (month < 1 || month > 12) return null;
  // Two-digit years are this century's, as printed on cards.
  const year = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  return { month, year };
}

/** A message for the expiry field, or null when it is a valid date not in the past. */
export function expiryProblem(text: string, now = new Date()): string | null {
  const e = parseExpiry(text);
  if (!e) return 'Enter the expiry as MM/YY, e.g. 12/30.';
  // A card is valid until the end of its expiry month.
  if (e.year < now.getFullYear() || (e.year === now.getFullYear() && e.month < now.getMonth() + 1)) return 'This card has expired.';
  return null;
}
