// The app's entry (package.json `main` is its bundle): loading it registers every HTTP function.
import './createPhoneMethod';
import './createProfilePhone';
