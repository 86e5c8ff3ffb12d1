"""Screenshots of the main pages, phone (390 px) and desktop (1280 px), into docs/screenshots/.

Run against the demo site (`make run` in another terminal), then `make screenshots`. Only reads: it signs
in as demo accounts and opens pages, it never deletes or unsubscribes."""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deletion.demo import ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_PASSWORD  # noqa: E402

SITE = os.environ.get("SITE", "http://127.0.0.1:8000")
OUT = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def sign_in(page, email, password, *, path="/sign-in/", button="Sign in"):
    page.goto(SITE + path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=button).click()


def shoot(page, name, *, full_page=False):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])

        family = browser.new_context(viewport=PHONE, device_scale_factor=1)
        page = family.new_page()
        sign_in(page, "everything@demo.securus.test", DEMO_PASSWORD)
        page.goto(SITE + "/")
        shoot(page, "phone-my-account")
        page.goto(SITE + "/delete/")
        shoot(page, "phone-delete-account")
        page.goto(SITE + "/")
        page.get_by_role("link", name="Unsubscribe from").first.click()
        page.get_by_label("It costs more than I can afford right now").check()
        page.get_by_role("button", name="Unsubscribe", exact=True).click()
        shoot(page, "phone-unsubscribe-warning")
        family.close()

        desktop = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
        page = desktop.new_page()
        sign_in(page, "everything@demo.securus.test", DEMO_PASSWORD)
        page.goto(SITE + "/delete/")
        shoot(page, "desktop-delete-account")
        desktop.close()

        admin = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
        page = admin.new_page()
        sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, path="/admin/login/", button="Log in")
        page.goto(SITE + "/admin/accounts/account/?q=(214)+555-0104")
        shoot(page, "desktop-admin-search")
        admin.close()
        browser.close()


if __name__ == "__main__":
    main()
