// Colours from the page or from someone else's awareness state.

const HEX = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i
const FALLBACK = '#30bced'

/** A colour from someone else's awareness state: only #hex is trusted into CSS. */
export const safeColour = (value, fallback = FALLBACK) =>
  typeof value === 'string' && HEX.test(value.trim()) ? value.trim().toLowerCase() : fallback

/** #abc → #aabbcc, so that an alpha byte can be appended. */
export function longHex (colour) {
  return colour.length === 4 ? '#' + [...colour.slice(1)].map(c => c + c).join('') : colour.slice(0, 7)
}
