/** English month names, the one table used by the draft parser, the templates and the archive. */
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** "2025-04" -> "April 2025". Returns the slug unchanged if it is not of that form. */
export function issueLabel(slug: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(slug);
  const name = m ? MONTH_NAMES[Number(m[2]) - 1] : undefined;
  return m && name ? `${name} ${m[1]}` : slug;
}
