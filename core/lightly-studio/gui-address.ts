// Where `pomona lightly gui` serves a project's dataset: loopback only (the GUI has no sign-in), on a port
// the user may change; the report links the default.
export const DEFAULT_LIGHTLY_STUDIO_PORT = 8001;

export const lightlyStudioGuiUrl = (port: number = DEFAULT_LIGHTLY_STUDIO_PORT) => `http://127.0.0.1:${port}`;
