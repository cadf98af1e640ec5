"""The seed app on FastAPI under uvicorn, exactly as the seed tutorial writes it.

Run by bench/http/section.ts as `python3 fastapi-app.py` with PORT and REGISTER_TASK
(noop | sleep200 | none) in the environment. uvicorn picks uvloop and httptools when they are
installed (python3-uvloop, python3-httptools) and asyncio + h11 otherwise; the bench reports which.
"""
import asyncio
import os

import uvicorn
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class MyCustomException(Exception):
    def __init__(self, name: str):
        self.name = name


class User(BaseModel):
    email: str


app = FastAPI()
sent = 0


def send_welcome_email(email: str) -> None:
    global sent
    sent += 1 if email else 0


async def send_welcome_email_slowly(email: str) -> None:
    await asyncio.sleep(0.2)
    send_welcome_email(email)


TASKS = {"noop": send_welcome_email, "sleep200": send_welcome_email_slowly, "none": None}
task = TASKS[os.environ.get("REGISTER_TASK", "noop")]


@app.exception_handler(MyCustomException)
async def custom_exception_handler(request: Request, exc: MyCustomException):
    return JSONResponse(status_code=418, content={"message": f"Oops! {exc.name} did something wrong."})


@app.exception_handler(404)
async def not_found_handler(request: Request, exc: Exception):
    return JSONResponse(status_code=404, content={"error": "Not Found", "status": 404, "path": request.url.path})


@app.get("/items/{name}")
async def read_item(name: str):
    if name == "error":
        raise MyCustomException(name=name)
    return {"name": name}


@app.post("/register")
async def register(user: User, background_tasks: BackgroundTasks):
    if task is not None:
        background_tasks.add_task(task, user.email)
    return {"message": "Registration successful. You will receive an email shortly."}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False)
