/**
 * The one normalisation every node applies before hashing: a leading
 * byte-order mark is dropped and CRLF (and lone CR) line endings become LF, so
 * the same configuration saved by different editors on different systems has
 * the same checksum everywhere. Heredoc bodies are normalised too, which is
 * what makes their values identical on every node.
 */
export function normalizeText(raw: string | Uint8Array): string {
  const text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw)
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  return withoutBom.replace(/\r\n?/g, '\n')
}
