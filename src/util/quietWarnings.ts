// The AWS SDK warns on every process start that it will drop Node 20 in 2027; the CLI runs on
// Node 20 by design (and Lambda on 22), so that one warning is dropped, all others still print.
const original = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (
    type === 'NodeVersionSupportWarning' ||
    /NodeVersionSupportWarning|will require node >=22/.test(`${String((warning as Error).name)} ${text}`)
  )
    return;
  (original as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
export {};
