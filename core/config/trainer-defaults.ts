// The trainer's own defaults (trainer/pomona_trainer/defaults.json), read by the trainer's command line and
// here, so that a default the loop shares with the trainer is defined once. Pure: bundled into workflow code.
import defaults from '../../trainer/pomona_trainer/defaults.json';

export const TRAINER_DEFAULTS = defaults;
