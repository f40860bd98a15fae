// Who is here (#presence): the people in the document's awareness, each once, this
// person first. Their cursors in the text are remote-selections.js's.
import { safeColour } from './colours.js'

const NAME_MAX = 80

/** Whether an awareness entry is this person (this tab, or another of theirs). */
const isSelf = (who, clientId, { me, userId }) =>
  clientId === me || (who.id != null && userId != null && String(who.id) === String(userId))

/**
 * The people present, from awareness states (a Map of client id -> state): one entry
 * per person, this person first, then by name. me: this tab's client id; userId: this
 * person's; anonymous: the name of someone without one; locale: for sorting names.
 */
export function presentPeople (states, { me, userId, anonymous, locale }) {
  const people = new Map()
  states.forEach((state, clientId) => {
    const who = state && state.user
    if (!who || typeof who !== 'object') return
    const self = isSelf(who, clientId, { me, userId })
    const key = who.id != null ? 'user:' + String(who.id) : 'client:' + clientId
    if (people.has(key) && !(self && !people.get(key).self)) return
    const name = (typeof who.name === 'string' && who.name.trim() ? who.name.trim() : anonymous).slice(0, NAME_MAX)
    // the server stamps a reader's presence (they may read, not write)
    people.set(key, { name, colour: safeColour(who.color, '#5a6275'), self, reader: who.reader === true })
  })
  return [...people.values()].sort((a, b) => (b.self - a.self) || a.name.localeCompare(b.name, locale))
}

/** A person's name as listed, with "(you)" and "(reading)" marks. */
export function presenceLabel (person, t) {
  const marks = [person.self && t('presence.self'), person.reader && t('presence.reader')]
  return [person.name, ...marks.filter(Boolean)].join(' ')
}

function personItem (person, t) {
  const item = document.createElement('li')
  const dot = document.createElement('span')
  dot.className = 'presence-dot'
  dot.setAttribute('aria-hidden', 'true')
  dot.style.backgroundColor = person.colour
  const name = document.createElement('span')
  name.className = 'presence-name'
  name.textContent = presenceLabel(person, t)
  if (person.self) item.className = 'presence-self'
  item.append(dot, name)
  return item
}

/** Keep the list (may be null) up to date with the awareness; returns its render(). */
export function watchPresence (list, awareness, { userId, t, locale }) {
  let shown = ''
  const render = () => {
    if (!list) return
    const people = presentPeople(awareness.getStates(),
      { me: awareness.clientID, userId, anonymous: t('presence.anonymous'), locale })
    const key = JSON.stringify(people)
    if (key === shown) return
    shown = key
    list.replaceChildren(...people.map(person => personItem(person, t)))
  }
  awareness.on('change', render)
  render()
  return render
}
