// The text the editor and the comments show, translated by the server: the page
// carries it as a JSON data block (<script type="application/json" id="coelab-i18n">),
// an object of key -> text. A text may hold %(name)s placeholders, filled by t(); a
// text with plural forms is an object { one, other }, picked by the `n` parameter.
// A key the page does not carry shows as itself, so that a missing string is seen.

const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key)

let strings = {}
let locale = 'fr'

/** Read the page's strings and language (once, when the editor starts). */
export function loadStrings (doc = document) {
  const block = doc.getElementById('coelab-i18n')
  let table = {}
  try {
    table = block ? JSON.parse(block.textContent) : {}
  } catch {
    console.warn('coelab: the page\'s translations are not valid JSON')
  }
  setStrings(table, doc.documentElement.lang)
}

/** Use these strings and this language (the page's, or a test's). */
export function setStrings (table, lang) {
  strings = table && typeof table === 'object' ? table : {}
  locale = lang || 'fr'
}

/** The page's language, for sorting and dates. */
export const currentLocale = () => locale

/** %(name)s replaced by params[name] (left as is when absent); %% is a percent sign. */
export function interpolate (text, params = {}) {
  return text.replace(/%(?:\((\w+)\)s|%)/g, (whole, name) => {
    if (name === undefined) return '%'
    return own(params, name) ? String(params[name]) : whole
  })
}

/** The plural form of an { one, other } entry for the number n, in this language. */
export function pluralForm (entry, n, lang) {
  const category = new Intl.PluralRules(lang).select(Number(n))
  return category === 'one' && entry.one !== undefined ? entry.one : entry.other
}

/** The text of a key in a table of strings, placeholders filled; the key when absent. */
export function translate (table, key, params = {}, lang = 'fr') {
  let entry = own(table, key) ? table[key] : undefined
  if (entry && typeof entry === 'object') entry = pluralForm(entry, params.n ?? 0, lang)
  if (typeof entry !== 'string') return key
  return interpolate(entry, params)
}

/** The page's text for a key. */
export const t = (key, params) => translate(strings, key, params, locale)
