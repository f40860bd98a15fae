// Small DOM helpers shared by the front end's modules.

export const byId = id => document.getElementById(id)

/** An element with attributes (`text` sets its text; true is an empty attribute; null,
 * undefined and false leave it out) and children. */
export function el (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') node.textContent = value
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? '' : value)
  }
  node.append(...children)
  return node
}

/** The page's CSRF token (from its <meta name="csrf-token">), for POST requests. */
export function csrfToken () {
  return (document.querySelector('meta[name="csrf-token"]') || {}).content || ''
}

/** Ask the panel holding element to open, if it is closed (layout.js listens). */
export function revealPanel (element) {
  element.dispatchEvent(new CustomEvent('coelab:reveal', { bubbles: true }))
}
