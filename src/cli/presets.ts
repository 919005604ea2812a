import { OptionError } from '../node/options.ts'
import { honuaValidator } from '../source/index.ts'
import type { Validator } from '../source/types.ts'

/** Validators selectable by name on the command line. */
export const VALIDATOR_PRESETS: Readonly<Record<string, Validator>> = Object.freeze({
  honua: honuaValidator,
})

export function presetByName(name: string | undefined): Validator | undefined {
  if (name === undefined || name === 'none') return undefined
  const preset = VALIDATOR_PRESETS[name]
  if (preset === undefined) {
    const known = ['none', ...Object.keys(VALIDATOR_PRESETS)].join(', ')
    throw new OptionError(`--preset: unknown preset "${name}" (known: ${known})`)
  }
  return preset
}
