# ruff: noqa: E501 - article text reads better unwrapped
"""The demo help center's articles: a UK gift shop's delivery, returns, payment, account,
loyalty and voucher help, in English, with some articles in Persian and Thai.

Written for the demo (the shop's real policies are the shop owner's to write); loaded by
``sandbox.demo.help_demo.load_help_demo`` (idempotent: keyed on slugs).
"""

from __future__ import annotations

from ecrm_wagtail.helpcenter.content import callout, faq, steps, text

# (slug, title, icon, description)
CATEGORIES = [
    ("delivery", "Delivery", "truck", "Delivery options, times, costs and tracking your parcel."),
    ("returns", "Returns and refunds", "undo", "Sending items back, exchanges and refunds."),
    ("payment", "Payment", "credit-card", "Ways to pay, VAT, invoices and payment problems."),
    ("account", "Your account", "user", "Signing in, passwords, addresses and your data."),
    ("loyalty", "Loyalty points", "star", "Earning and spending points, tiers and expiry."),
    ("vouchers", "Vouchers and gift cards", "tag", "Discount codes, gift cards and offers."),
    ("orders", "Orders", "box", "Changing, cancelling and checking your orders."),
]

# category slug -> list of article dicts
ARTICLES: dict[str, list[dict]] = {
    "delivery": [
        dict(
            slug="delivery-times",
            title="How long does delivery take?",
            summary="UK standard delivery takes 2 to 4 working days; express arrives the next working day.",
            tags=["delivery", "shipping", "dispatch"],
            body=[
                text(
                    "<p>Orders placed before 2pm on a working day are packed and dispatched the same day. "
                    "Standard delivery within the UK mainland takes 2 to 4 working days after dispatch. "
                    "Express delivery arrives the next working day when you order before 2pm.</p>"
                    "<p>Deliveries to the Scottish Highlands, Northern Ireland, the Isle of Man and the "
                    "Channel Islands can take 1 to 2 extra working days.</p>"
                ),
                callout(
                    "<p>During December and big sales, allow one extra day for dispatch.</p>",
                    kind="tip",
                    title="Busy periods",
                ),
            ],
        ),
        dict(
            slug="delivery-costs",
            title="How much does delivery cost?",
            summary="Standard UK delivery is £3.95 and free on orders over £50; express costs £6.95.",
            tags=["delivery", "shipping", "cost", "free delivery"],
            body=[
                text(
                    "<p>Standard UK delivery costs £3.95 per order. Delivery is free when your basket "
                    "comes to £50 or more after discounts. Express next-day delivery costs £6.95.</p>"
                    "<p>The delivery charge is shown in your basket and at checkout before you pay.</p>"
                ),
                faq(
                    [
                        (
                            "Does free delivery apply to express?",
                            "No, free delivery over £50 applies to standard delivery only.",
                        ),
                        (
                            "Do vouchers count towards the free delivery threshold?",
                            "The threshold is checked after voucher discounts are taken off.",
                        ),
                    ]
                ),
            ],
        ),
        dict(
            slug="track-parcel",
            title="How do I track my parcel?",
            summary="Every dispatched order gets a tracking link by email.",
            tags=["tracking", "courier", "dispatch"],
            body=[
                text(
                    "<p>When your order leaves our warehouse we send a dispatch email with the courier's "
                    "tracking number and a link to follow your parcel.</p>"
                ),
                steps(
                    "Find your tracking number",
                    [
                        (
                            "Open the dispatch email",
                            "Its subject starts with “Your order has shipped”.",
                        ),
                        ("Click Track my parcel", "The courier's page shows where your parcel is."),
                        "Or sign in and open the order under Order history in your account",
                    ],
                ),
                callout(
                    "<p>Tracking can take up to 24 hours to show the first scan.</p>", kind="info"
                ),
            ],
        ),
        dict(
            slug="international-delivery",
            title="Do you deliver outside the UK?",
            summary="We deliver to most European countries and to the USA, Canada and Australia.",
            tags=["international", "abroad", "shipping", "customs"],
            body=[
                text(
                    "<p>We ship to most European countries, the USA, Canada, Australia, Japan and "
                    "Singapore. International delivery costs from £9.95 and takes 5 to 10 working "
                    "days.</p><p>Orders to countries outside the UK may be charged import duty and local "
                    "taxes by the customs office of your country; these are paid by the recipient.</p>"
                ),
            ],
        ),
        dict(
            slug="parcel-not-arrived",
            title="My parcel has not arrived",
            summary="What to do when your order is late or the tracking has not moved.",
            tags=["late", "missing", "tracking", "courier"],
            body=[
                text(
                    "<p>First check the tracking link in your dispatch email: the courier may have "
                    "left a card or delivered to a neighbour or safe place.</p>"
                ),
                steps(
                    "If your parcel is late",
                    [
                        "Wait two working days past the expected delivery date",
                        "Check with neighbours and your safe place",
                        (
                            "Contact us",
                            "We open an investigation with the courier and send a "
                            "replacement or refund if the parcel is lost.",
                        ),
                    ],
                ),
            ],
        ),
        dict(
            slug="change-delivery-address",
            title="Can I change my delivery address?",
            summary="You can change the address until the order is dispatched.",
            tags=["address", "delivery", "change order"],
            body=[
                text(
                    "<p>If your order has not been dispatched yet, contact us with your order number "
                    "and the new address and we will update it. Once the parcel is with the courier we "
                    "can no longer change where it goes, but you can often redirect it from the "
                    "courier's tracking page.</p>"
                ),
            ],
        ),
        dict(
            slug="damaged-parcel",
            title="My order arrived damaged",
            summary="Tell us within 14 days and we will replace or refund damaged items.",
            tags=["damaged", "broken", "faulty", "replacement"],
            body=[
                text(
                    "<p>We pack fragile gifts such as glassware and ceramics carefully, but accidents "
                    "happen. If something arrives broken or damaged, contact us within 14 days with "
                    "your order number and a photo of the item and its packaging.</p>"
                    "<p>We will send a replacement free of charge or refund the item, whichever you "
                    "prefer. You do not need to send broken items back.</p>"
                ),
            ],
        ),
    ],
    "returns": [
        dict(
            slug="return-policy",
            title="What is your returns policy?",
            summary="Return unused items within 30 days of delivery for a full refund.",
            tags=["returns", "refund", "policy"],
            body=[
                text(
                    "<p>You can return any unused item in its original packaging within 30 days of "
                    "delivery for a full refund of the item price. Personalised items and opened "
                    "food gifts cannot be returned unless they are faulty.</p>"
                ),
                faq(
                    [
                        (
                            "Is return postage free?",
                            "Returns are free with our prepaid label for UK orders. "
                            "International returns are sent back at your cost.",
                        ),
                        (
                            "Can I return a sale item?",
                            "Yes, sale items can be returned like any other item.",
                        ),
                    ]
                ),
            ],
        ),
        dict(
            slug="how-to-return",
            title="How do I return an item?",
            summary="Print the free returns label from your account and drop the parcel at a post office.",
            tags=["returns", "label", "send back"],
            body=[
                steps(
                    "Returning an item",
                    [
                        "Sign in and open the order in Order history",
                        ("Choose Return items", "Pick the items and a reason."),
                        "Print the prepaid returns label",
                        "Pack the items securely and attach the label",
                        "Drop the parcel at any post office and keep the receipt",
                    ],
                ),
            ],
        ),
        dict(
            slug="refund-time",
            title="When will I get my refund?",
            summary="Refunds are made within 5 working days of receiving your return.",
            tags=["refund", "money back", "returns"],
            body=[
                text(
                    "<p>Once your return reaches our warehouse we check it and refund you within 5 "
                    "working days. We email you when the refund is made.</p>"
                    "<p>The money goes back to the card or account you paid with. Your bank may take "
                    "another 3 to 5 working days to show it on your statement.</p>"
                ),
            ],
        ),
        dict(
            slug="exchange",
            title="Can I exchange an item?",
            summary="Return the item for a refund and place a new order for the one you want.",
            tags=["exchange", "swap", "returns"],
            body=[
                text(
                    "<p>We do not swap items directly. The quickest way is to return the item for a "
                    "refund and place a new order for the colour or size you want, so it is not sold "
                    "out while your return is on its way.</p>"
                ),
            ],
        ),
        dict(
            slug="faulty-item",
            title="My item is faulty",
            summary="Faulty items can be returned for a refund or replacement within 12 months.",
            tags=["faulty", "broken", "warranty", "returns"],
            body=[
                text(
                    "<p>If an item stops working or shows a manufacturing fault within 12 months, "
                    "contact us with your order number, a description and a photo. We will arrange a "
                    "free return and send a replacement or refund.</p>"
                ),
            ],
        ),
    ],
    "payment": [
        dict(
            slug="payment-methods",
            title="Which payment methods do you accept?",
            summary="Visa, Mastercard, American Express, PayPal, Apple Pay and Google Pay.",
            tags=["payment", "card", "paypal"],
            body=[
                text(
                    "<p>We accept Visa, Mastercard and American Express debit and credit cards, "
                    "PayPal, Apple Pay and Google Pay. All prices are in pounds sterling (GBP).</p>"
                    "<p>Your card is charged when you place the order.</p>"
                ),
            ],
        ),
        dict(
            slug="payment-declined",
            title="Why was my payment declined?",
            summary="Common reasons are a wrong billing address, security checks or card limits.",
            tags=["payment", "declined", "card", "error"],
            body=[
                text(
                    "<p>A payment can be declined when the billing address does not match the one "
                    "your bank holds, when your bank's security check (3D Secure) was not completed, "
                    "or when the card has expired or reached its limit.</p>"
                ),
                steps(
                    "Try this",
                    [
                        "Check the card number, expiry date and security code",
                        "Use the billing address printed on your statement",
                        "Complete the 3D Secure check in your banking app",
                        "Try another card or PayPal",
                    ],
                ),
            ],
        ),
        dict(
            slug="vat-invoice",
            title="Can I get a VAT invoice?",
            summary="A VAT invoice for every order can be downloaded from your account.",
            tags=["vat", "invoice", "receipt", "business"],
            body=[
                text(
                    "<p>All our prices include UK VAT at 20%. A VAT invoice for each order is in your "
                    "account under Order history: open the order and choose Download invoice.</p>"
                ),
            ],
        ),
        dict(
            slug="charged-twice",
            title="I have been charged twice",
            summary="A second charge is usually a pending authorisation that disappears in a few days.",
            tags=["payment", "charged twice", "double charge"],
            body=[
                text(
                    "<p>If a payment failed and you tried again, your bank may show the first attempt "
                    "as pending. It is not taken and disappears within 3 to 5 working days. If both "
                    "charges are still there after a week, contact us with your order number.</p>"
                ),
            ],
        ),
        dict(
            slug="secure-payment",
            title="Is it safe to pay on your website?",
            summary="Payments are encrypted and handled by our payment provider; we never see card numbers.",
            tags=["security", "payment", "safe"],
            body=[
                text(
                    "<p>Every page of our shop uses an encrypted HTTPS connection. Card details go "
                    "straight to our PCI-compliant payment provider: we never see or store your full "
                    "card number.</p>"
                ),
            ],
        ),
    ],
    "account": [
        dict(
            slug="reset-password",
            title="I forgot my password",
            summary="Reset it from the sign-in page with the link we email you.",
            tags=["password", "login", "sign in"],
            body=[
                steps(
                    "Reset your password",
                    [
                        "Go to Login or register and choose Forgotten your password?",
                        "Enter the email address of your account",
                        ("Open the email we send you", "The link works for 24 hours."),
                        "Choose a new password",
                    ],
                ),
                callout("<p>No email? Check your spam folder.</p>", kind="tip"),
            ],
        ),
        dict(
            slug="create-account",
            title="Do I need an account to order?",
            summary="No: you can check out as a guest, but an account lets you track orders and earn points.",
            tags=["account", "register", "guest checkout"],
            body=[
                text(
                    "<p>You can place an order as a guest with just your email address. With an account "
                    "you can see your order history, reorder, save addresses and earn loyalty points on "
                    "every order.</p>"
                ),
            ],
        ),
        dict(
            slug="change-email-address",
            title="How do I change my email address or details?",
            summary="Edit your name, email and password under Profile in your account.",
            tags=["account", "email", "profile"],
            body=[
                text(
                    "<p>Sign in and open Profile in your account to edit your name and email address. "
                    "To change your password choose Change password on the same page.</p>"
                ),
            ],
        ),
        dict(
            slug="address-book",
            title="How do I save or change addresses?",
            summary="Your address book in your account keeps delivery and billing addresses.",
            tags=["address", "address book", "account"],
            body=[
                text(
                    "<p>Open Address book in your account to add, edit or delete addresses and to "
                    "choose your default delivery and billing address. Addresses you use at checkout "
                    "can be saved too.</p>"
                ),
            ],
        ),
        dict(
            slug="delete-account",
            title="How do I close my account and delete my data?",
            summary="Ask us to close your account; we delete your personal data within 30 days.",
            tags=["privacy", "gdpr", "delete account", "data"],
            body=[
                text(
                    "<p>Contact us from the email address of your account and ask us to close it. We "
                    "delete your personal data within 30 days, except order records we must keep for "
                    "tax purposes for six years.</p><p>You can also ask for a copy of the data we hold "
                    "about you.</p>"
                ),
            ],
        ),
        dict(
            slug="newsletter",
            title="How do I unsubscribe from emails?",
            summary="Use the unsubscribe link in any email or change your preferences in your account.",
            tags=["newsletter", "email", "unsubscribe", "marketing"],
            body=[
                text(
                    "<p>Every marketing email has an unsubscribe link at the bottom. You can also turn "
                    "newsletters off under Email preferences in your account. Order and delivery emails "
                    "are always sent.</p>"
                ),
            ],
        ),
    ],
    "loyalty": [
        dict(
            slug="how-points-work",
            title="How do loyalty points work?",
            summary="Earn 1 point for every £1 you spend; 100 points are worth £1 off.",
            tags=["loyalty", "points", "rewards"],
            body=[
                text(
                    "<p>Members earn 1 point for every £1 spent on products (not delivery). Points are "
                    "added as pending when you order and become spendable once the return period of 30 "
                    "days has passed.</p><p>Every 100 points are worth £1 off a future order.</p>"
                ),
                faq(
                    [
                        (
                            "Do I earn points on guest orders?",
                            "No, you need to be signed in to your account.",
                        ),
                        (
                            "Why are my points pending?",
                            "Points become spendable 30 days after delivery, "
                            "when the order can no longer be returned.",
                        ),
                    ]
                ),
            ],
        ),
        dict(
            slug="spend-points",
            title="How do I spend my points?",
            summary="Redeem points at checkout: 100 points take £1 off your order.",
            tags=["loyalty", "points", "redeem", "checkout"],
            body=[
                steps(
                    "Using points at checkout",
                    [
                        "Sign in before you check out",
                        "In the basket, choose Use my points",
                        "Pick how many points to spend (in steps of 100)",
                        "The discount is taken off before you pay",
                    ],
                ),
            ],
        ),
        dict(
            slug="points-balance",
            title="Where can I see my points balance?",
            summary="Your balance and history are on the Loyalty page of your account.",
            tags=["loyalty", "points", "balance"],
            body=[
                text(
                    "<p>Sign in and open Loyalty in your account to see your spendable and pending "
                    "points and every point earned or spent. You can also ask the help assistant "
                    "“how many points do I have?” when you are signed in.</p>"
                ),
            ],
        ),
        dict(
            slug="points-expiry",
            title="Do my points expire?",
            summary="Points expire after 12 months without any order.",
            tags=["loyalty", "points", "expiry"],
            body=[
                text(
                    "<p>Your points stay valid as long as you place at least one order every 12 "
                    "months. After 12 months without an order, your points expire. We email you a "
                    "month before they do.</p>"
                ),
            ],
        ),
        dict(
            slug="loyalty-tiers",
            title="What are the loyalty tiers?",
            summary="Silver and Gold members earn more points per pound.",
            tags=["loyalty", "tiers", "gold", "silver"],
            body=[
                text(
                    "<p>Everyone starts as a Bronze member. Spend £250 in a year to become Silver "
                    "and earn 1.25 points per £1, or £500 to become Gold and earn 1.5 points per £1 "
                    "plus free express delivery.</p>"
                ),
            ],
        ),
        dict(
            slug="points-returns",
            title="What happens to my points when I return an item?",
            summary="Points earned on returned items are taken back.",
            tags=["loyalty", "points", "returns", "refund"],
            body=[
                text(
                    "<p>When you return an item, the points you earned on it are removed from your "
                    "balance. Points you spent on a returned order are given back to you.</p>"
                ),
            ],
        ),
    ],
    "vouchers": [
        dict(
            slug="use-voucher",
            title="How do I use a discount code?",
            summary="Enter the voucher code in your basket before checkout.",
            tags=["voucher", "discount code", "promo code", "coupon"],
            body=[
                steps(
                    "Adding a voucher",
                    [
                        "Open your basket",
                        "Type the code in Voucher code and choose Add voucher",
                        "The discount appears in the basket total",
                    ],
                ),
                callout(
                    "<p>Only one voucher can be used per order.</p>",
                    kind="warning",
                ),
            ],
        ),
        dict(
            slug="voucher-not-working",
            title="Why is my voucher code not working?",
            summary="Vouchers can be expired, used up, or need a minimum spend.",
            tags=["voucher", "discount code", "error", "coupon"],
            body=[
                text(
                    "<p>Check the conditions of the voucher: it may have expired, been used already "
                    "(many codes work once per customer), need a minimum basket value, or apply only to "
                    "some products. Codes are not case sensitive but must be typed without spaces.</p>"
                ),
            ],
        ),
        dict(
            slug="gift-cards",
            title="How do gift cards work?",
            summary="Gift cards from £10 to £200, delivered by email, valid for 24 months.",
            tags=["gift card", "present", "voucher"],
            body=[
                text(
                    "<p>Our e-gift cards are available from £10 to £200 and are emailed to the "
                    "recipient on the date you choose with your message. They are valid for 24 months "
                    "and can be spent over several orders.</p><p>To spend a gift card, enter its code in "
                    "your basket like a voucher.</p>"
                ),
            ],
        ),
        dict(
            slug="gift-wrapping",
            title="Do you offer gift wrapping?",
            summary="Gift wrapping with a handwritten message costs £3.50 per item.",
            tags=["gift wrap", "present", "message"],
            body=[
                text(
                    "<p>Choose Gift wrap at checkout to have an item wrapped in our recycled paper "
                    "with a ribbon and a handwritten card with your message, for £3.50 per item. Gift "
                    "orders never include prices on the delivery note.</p>"
                ),
            ],
        ),
        dict(
            slug="student-discount",
            title="Do you have a student or NHS discount?",
            summary="Students and NHS staff get 10% off with a verified code.",
            tags=["discount", "student", "nhs"],
            body=[
                text(
                    "<p>Students and NHS staff get 10% off full-price items. Verify your status with "
                    "our partner to receive a personal code, then enter it in your basket.</p>"
                ),
            ],
        ),
    ],
    "orders": [
        dict(
            slug="cancel-order",
            title="How do I cancel my order?",
            summary="Orders can be cancelled until they are dispatched.",
            tags=["cancel", "order"],
            body=[
                text(
                    "<p>If your order is still Pending or Being processed, contact us with the order "
                    "number as soon as possible and we will cancel it and refund you in full. Once the "
                    "order has been dispatched, you can return it instead.</p>"
                ),
            ],
        ),
        dict(
            slug="order-status",
            title="What does my order status mean?",
            summary="Pending, Being processed, Shipped, Complete or Cancelled: what each one means.",
            tags=["order status", "order", "tracking"],
            body=[
                faq(
                    [
                        (
                            "Pending",
                            "We have your order and payment and will start packing it soon.",
                        ),
                        (
                            "Being processed",
                            "Your items are being picked and packed in our warehouse.",
                        ),
                        (
                            "Shipped",
                            "The parcel is with the courier; use the tracking link in your email.",
                        ),
                        ("Complete", "The parcel has been delivered."),
                        ("Cancelled", "The order was cancelled and any payment refunded."),
                    ],
                    title="Order statuses",
                ),
            ],
        ),
        dict(
            slug="add-to-order",
            title="Can I add an item to an order I have placed?",
            summary="Orders cannot be changed after payment; place a second order instead.",
            tags=["change order", "order"],
            body=[
                text(
                    "<p>We cannot add items to an order once it is paid. Place a new order for the "
                    "extra items; if both are placed on the same day we dispatch them together when we "
                    "can.</p>"
                ),
            ],
        ),
        dict(
            slug="order-confirmation-missing",
            title="I did not receive an order confirmation",
            summary="Check spam; the order is also in your account if you were signed in.",
            tags=["confirmation", "email", "order"],
            body=[
                text(
                    "<p>Order confirmations are sent within a few minutes. Check your spam or junk "
                    "folder, and that the email address at checkout was typed correctly. If you were "
                    "signed in, the order appears in Order history in your account.</p>"
                ),
            ],
        ),
        dict(
            slug="wholesale",
            title="Do you sell wholesale?",
            summary="Trade customers can open a wholesale account with volume prices.",
            tags=["wholesale", "trade", "bulk"],
            body=[
                text(
                    "<p>Many of our customers are shops and businesses. Trade customers can apply for a "
                    "wholesale account with prices for larger quantities; contact us with your company "
                    "name and VAT number.</p>"
                ),
            ],
        ),
    ],
}

SYNONYMS = [
    "refund, money back, reimbursement, repay",
    "parcel, package, delivery, order",
    "voucher, discount code, promo code, coupon",
    "abroad, overseas, international, outside the uk",
    "broken, damaged, smashed, cracked",
    "password, login, sign in, log in",
    "points, rewards, loyalty",
    "cancel, stop",
]

# -- Persian (fa) and Thai (th): help center, categories and some articles ------------------

TRANSLATIONS = {
    "fa": {
        "help": (
            "مرکز راهنما",
            "<p>پاسخ پرسش‌های شما درباره‌ی ارسال، مرجوعی، پرداخت و حساب کاربری.</p>",
        ),
        "categories": {
            "delivery": ("ارسال", "زمان و هزینه‌ی ارسال و پیگیری مرسوله."),
            "returns": ("مرجوعی و بازپرداخت", "بازگرداندن کالا و بازپرداخت وجه."),
            "payment": ("پرداخت", "روش‌های پرداخت و مشکلات پرداخت."),
            "loyalty": ("امتیازهای وفاداری", "کسب و خرج کردن امتیاز."),
        },
        "articles": {
            "delivery-times": (
                "ارسال چقدر طول می‌کشد؟",
                "ارسال عادی در بریتانیا ۲ تا ۴ روز کاری طول می‌کشد.",
                "<p>سفارش‌هایی که تا ساعت ۲ بعدازظهر یک روز کاری ثبت شوند همان روز ارسال می‌شوند. "
                "ارسال عادی در بریتانیا ۲ تا ۴ روز کاری و ارسال سریع یک روز کاری طول می‌کشد.</p>",
            ),
            "track-parcel": (
                "چگونه مرسوله‌ام را پیگیری کنم؟",
                "برای هر سفارش ارسال‌شده کد رهگیری ایمیل می‌شود.",
                "<p>وقتی سفارش شما از انبار خارج شود، ایمیلی با کد رهگیری شرکت پست و پیوند "
                "پیگیری مرسوله برایتان می‌فرستیم. پیگیری ممکن است تا ۲۴ ساعت به‌روز نشود.</p>",
            ),
            "return-policy": (
                "شرایط مرجوعی کالا چیست؟",
                "کالای استفاده‌نشده را تا ۳۰ روز پس از تحویل برگردانید.",
                "<p>هر کالای استفاده‌نشده در بسته‌بندی اصلی را می‌توانید تا ۳۰ روز پس از تحویل "
                "برگردانید و کل مبلغ کالا را پس بگیرید. مرجوعی در بریتانیا رایگان است.</p>",
            ),
            "refund-time": (
                "بازپرداخت وجه چه زمانی انجام می‌شود؟",
                "بازپرداخت ظرف ۵ روز کاری پس از دریافت کالای مرجوعی انجام می‌شود.",
                "<p>پس از رسیدن کالای مرجوعی به انبار، ظرف ۵ روز کاری وجه را به کارت یا حسابی که "
                "با آن پرداخت کرده‌اید برمی‌گردانیم. بانک شما ممکن است ۳ تا ۵ روز کاری دیگر زمان ببرد.</p>",
            ),
            "payment-methods": (
                "چه روش‌های پرداختی را می‌پذیرید؟",
                "ویزا، مسترکارت، امریکن اکسپرس، پی‌پال، اپل‌پی و گوگل‌پی.",
                "<p>کارت‌های ویزا، مسترکارت و امریکن اکسپرس، پی‌پال، اپل‌پی و گوگل‌پی را می‌پذیریم. "
                "همه‌ی قیمت‌ها به پوند استرلینگ است.</p>",
            ),
            "how-points-work": (
                "امتیازهای وفاداری چگونه کار می‌کنند؟",
                "به ازای هر ۱ پوند خرید ۱ امتیاز بگیرید؛ هر ۱۰۰ امتیاز ۱ پوند تخفیف است.",
                "<p>اعضا به ازای هر ۱ پوند خرید کالا ۱ امتیاز می‌گیرند. امتیازها پس از پایان مهلت "
                "۳۰ روزه‌ی مرجوعی قابل خرج می‌شوند و هر ۱۰۰ امتیاز ۱ پوند تخفیف است.</p>",
            ),
        },
    },
    "th": {
        "help": ("ศูนย์ช่วยเหลือ", "<p>คำตอบเรื่องการจัดส่ง การคืนสินค้า การชำระเงิน และบัญชีของคุณ</p>"),
        "categories": {
            "delivery": ("การจัดส่ง", "ระยะเวลา ค่าจัดส่ง และการติดตามพัสดุ"),
            "returns": ("การคืนสินค้าและคืนเงิน", "การส่งสินค้าคืนและการคืนเงิน"),
            "payment": ("การชำระเงิน", "วิธีชำระเงินและปัญหาการชำระเงิน"),
            "loyalty": ("คะแนนสะสม", "การสะสมและใช้คะแนน"),
        },
        "articles": {
            "delivery-times": (
                "การจัดส่งใช้เวลานานเท่าไร",
                "การจัดส่งแบบปกติในสหราชอาณาจักรใช้เวลา 2 ถึง 4 วันทำการ",
                "<p>คำสั่งซื้อที่สั่งก่อนบ่ายสองโมงของวันทำการจะถูกจัดส่งในวันเดียวกัน "
                "การจัดส่งแบบปกติใช้เวลา 2 ถึง 4 วันทำการ และแบบด่วนใช้เวลา 1 วันทำการ</p>",
            ),
            "track-parcel": (
                "ฉันจะติดตามพัสดุได้อย่างไร",
                "ทุกคำสั่งซื้อที่จัดส่งแล้วจะได้รับหมายเลขติดตามพัสดุทางอีเมล",
                "<p>เมื่อคำสั่งซื้อออกจากคลังสินค้า เราจะส่งอีเมลพร้อมหมายเลขติดตามพัสดุและลิงก์สำหรับติดตาม "
                "ข้อมูลการติดตามอาจใช้เวลาถึง 24 ชั่วโมงในการอัปเดต</p>",
            ),
            "return-policy": (
                "นโยบายการคืนสินค้าเป็นอย่างไร",
                "คืนสินค้าที่ยังไม่ได้ใช้ได้ภายใน 30 วันหลังได้รับสินค้า",
                "<p>คุณสามารถคืนสินค้าที่ยังไม่ได้ใช้ในบรรจุภัณฑ์เดิมได้ภายใน 30 วันหลังได้รับสินค้า "
                "และรับเงินคืนเต็มจำนวน</p>",
            ),
            "refund-time": (
                "ฉันจะได้รับเงินคืนเมื่อไร",
                "เราคืนเงินภายใน 5 วันทำการหลังได้รับสินค้าที่ส่งคืน",
                "<p>เมื่อสินค้าที่ส่งคืนถึงคลังสินค้า เราจะคืนเงินเข้าบัตรหรือบัญชีที่คุณใช้ชำระภายใน 5 วันทำการ</p>",
            ),
            "how-points-work": (
                "คะแนนสะสมทำงานอย่างไร",
                "รับ 1 คะแนนทุกการใช้จ่าย 1 ปอนด์ และ 100 คะแนนเป็นส่วนลด 1 ปอนด์",
                "<p>สมาชิกได้รับ 1 คะแนนทุกการซื้อสินค้า 1 ปอนด์ คะแนนจะใช้ได้หลังพ้นระยะเวลาคืนสินค้า 30 วัน "
                "และทุก 100 คะแนนเป็นส่วนลด 1 ปอนด์</p>",
            ),
        },
    },
}
