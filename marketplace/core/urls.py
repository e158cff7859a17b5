from django.contrib.auth import views as auth_views
from django.urls import path

from marketplace.core import account_views as views
from marketplace.core import notice_views, signup_views
from marketplace.core import views as security_views

urlpatterns = [
    path("", views.account, name="account"),
    path(
        "login/",
        security_views.SignInView.as_view(),
        name="login",
    ),
    path("second-factor/", security_views.verify, name="second_factor_verify"),
    path("second-factor/setup/", security_views.enrol, name="second_factor_enrol"),
    path("confirm-identity/", security_views.reauthenticate, name="reauthenticate"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", signup_views.signup, name="signup"),
    path("signup/sent/", signup_views.signup_sent, name="signup_sent"),
    path("verify/", signup_views.verify_pending, name="verify_pending"),
    path("verify/resend/", signup_views.verify_resend, name="verify_resend"),
    path("verify/email/<str:token>/", signup_views.verify_email, name="verify_email"),
    path("notices/", notice_views.notices, name="notices"),
    path("notices/read-all/", notice_views.mark_all_read, name="notices_read_all"),
    path("notices/<int:pk>/open/", notice_views.open_notice, name="notice_open"),
    path("password-reset/", security_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password-change/",
        security_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password-change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
