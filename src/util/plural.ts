/** `1 validator`, `2 validators`: a count with its noun in the right number (plural: noun + s unless given). */
export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : pluralNoun}`;
}
