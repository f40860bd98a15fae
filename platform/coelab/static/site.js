// The site's header on a phone (templates/coelab/base.html): the "Menu" button shows and
// hides the navigation and the account links. The stylesheet (coelab.css, "site header")
// folds them only where scripts run, so without this file the links stay visible.
(() => {
  const button = document.querySelector('header.site .menu-toggle')
  if (!button) return
  const menu = document.getElementById(button.getAttribute('aria-controls'))
  if (!menu) return

  const setOpen = (open) => {
    button.setAttribute('aria-expanded', String(open))
    menu.classList.toggle('open', open)
  }
  const isOpen = () => button.getAttribute('aria-expanded') === 'true'
  // the button is only shown on narrow screens; elsewhere the menu is always there
  const folded = () => getComputedStyle(button).display !== 'none'

  button.addEventListener('click', () => setOpen(!isOpen()))
  // Escape closes the open menu and gives the focus back to its button
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !isOpen() || !folded()) return
    setOpen(false)
    button.focus()
  })
  // a click elsewhere in the page closes it too
  document.addEventListener('click', (event) => {
    if (isOpen() && folded() && !button.contains(event.target) && !menu.contains(event.target)) {
      setOpen(false)
    }
  })
})()
