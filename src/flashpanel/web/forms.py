"""The forms the customer pages post, decoded by Litestar from ``application/x-www-form-urlencoded``.

A form missing a field is answered 400 by Litestar before the page runs (``web/errors.py``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.enums import RequestEncodingType
from litestar.params import Body

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


class SignupForm(msgspec.Struct):
    username: str
    email: str
    password: str
    confirm_password: str


class LoginForm(msgspec.Struct):
    login: str
    password: str
    next: str = "/"


class ForgotForm(msgspec.Struct):
    login: str


class ResetForm(msgspec.Struct):
    password: str
    confirm_password: str


class PasswordCheckForm(msgspec.Struct):
    password: str


class EmailForm(msgspec.Struct):
    email: str


class ChangePasswordForm(msgspec.Struct):
    current_password: str
    new_password: str
    confirm_password: str


Signup = Annotated[SignupForm, FORM]
Login = Annotated[LoginForm, FORM]
Forgot = Annotated[ForgotForm, FORM]
Reset = Annotated[ResetForm, FORM]
PasswordCheck = Annotated[PasswordCheckForm, FORM]
EmailChange = Annotated[EmailForm, FORM]
PasswordChange = Annotated[ChangePasswordForm, FORM]
