/** A benchmark's `key=value` arguments, by key (a value may itself hold `=`). */
export function benchSettings(argv: readonly string[] = process.argv.slice(2)): Record<string, string> {
  return Object.fromEntries(
    argv.map((arg) => {
      const [key, ...value] = arg.split('=');
      return [key, value.join('=')];
    }),
  );
}
