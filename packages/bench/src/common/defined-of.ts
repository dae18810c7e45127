/** The entries of an options object that are not undefined (so per-call options do not erase factory options). */
export function definedOf<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
